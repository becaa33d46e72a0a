using System.Diagnostics;

namespace Orders.LoadGen.Runner;

/// <summary>
/// A process under test pinned to the server core with taskset: its output kept for error reports, its CPU time
/// read from /proc, and the whole tree killed on dispose. The benchmark servers and Orders.Api share this, and
/// start with <see cref="PinnedRuntime"/>'s setting (the caller's environment and <c>--server-env</c> override it).
/// </summary>
internal sealed class PinnedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly Action<string>? _onStdout;

    private PinnedProcess(Process process, Action<string>? onStdout)
    {
        _process = process;
        _onStdout = onStdout;
    }

    public bool HasExited => _process.HasExited;

    public string RecentOutput
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(20));
        }
    }

    /// <summary>
    /// Starts <paramref name="command"/> on the server core (or <paramref name="core"/>: a second node of the orders
    /// service); <see cref="BenchSettings.ServerEnvironment"/> applies last.
    /// With <paramref name="commands"/> its stdin is kept for <see cref="WriteLineAsync"/>.
    /// </summary>
    public static PinnedProcess Start(BenchSettings settings, IEnumerable<string> command, IDictionary<string, string> environment, Action<string>? onStdout = null, bool commands = false, string? core = null)
    {
        var info = new ProcessStartInfo("taskset")
        {
            RedirectStandardInput = commands,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = settings.Root,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(core ?? settings.ServerCore);
        foreach (var a in command) info.ArgumentList.Add(a);
        PinnedRuntime.Apply(info);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        foreach (var pair in settings.ServerEnvironment)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {string.Join(' ', command)}");
        var pinned = new PinnedProcess(process, onStdout);
        process.OutputDataReceived += (_, e) => pinned.OnLine(e.Data, fromStdout: true);
        process.ErrorDataReceived += (_, e) => pinned.OnLine(e.Data, fromStdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return pinned;
    }

    public static HttpClient HttpClientFor(int port, TimeSpan timeout) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = timeout,
        };

    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>Writes a command line to the process's stdin (started with <c>commands</c>).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>User + system CPU time of the process so far.</summary>
    public TimeSpan CpuTime() => ProcessCpu.Read(_process.Id);

    /// <summary>The process's resident memory now (taskset execs the command, so this is the command's).</summary>
    public long RssBytes()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void OnLine(string? line, bool fromStdout)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (fromStdout) _onStdout?.Invoke(line);
    }
}
