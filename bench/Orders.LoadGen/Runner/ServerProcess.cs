using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orders.LoadGen.Runner;

/// <summary>
/// One server under test in a fresh process pinned to its core: ours (Orders.BenchServer) or Node's reference.
/// Its CPU time is read from /proc to tell a saturated server from a generator-bound run.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ServerProcess(string kind, int port, Process process)
    {
        Kind = kind;
        Port = port;
        _process = process;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public string Kind { get; }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public string RecentOutput
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(20));
        }
    }

    public static async Task<ServerProcess> StartAsync(BenchSettings settings, string kind, int port)
    {
        var info = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = settings.Root,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(settings.ServerCore);
        if (kind == "ours")
        {
            info.ArgumentList.Add("dotnet");
            info.ArgumentList.Add(Path.Combine(settings.Root, "bench/Orders.BenchServer/bin", settings.Config, "net10.0/Orders.BenchServer.dll"));
            info.Environment["DOTNET_gcServer"] = settings.Gc == "server" ? "1" : "0";
        }
        else
        {
            info.ArgumentList.Add("node");
            info.ArgumentList.Add("--expose-gc");
            info.ArgumentList.Add(Path.Combine(settings.Root, "bench/node-ref/server.js"));
        }

        foreach (var pair in settings.ServerEnvironment) info.Environment[pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
        if (settings.PingIntervalMs > 0) { info.ArgumentList.Add("--ping-interval-ms"); info.ArgumentList.Add(settings.PingIntervalMs.ToString(CultureInfo.InvariantCulture)); }
        if (settings.PingTimeoutMs > 0) { info.ArgumentList.Add("--ping-timeout-ms"); info.ArgumentList.Add(settings.PingTimeoutMs.ToString(CultureInfo.InvariantCulture)); }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {kind}");
        var server = new ServerProcess(kind, port, process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != ready.Task)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{kind} server did not become ready:\n{server.RecentOutput}");
        }

        return server;
    }

    /// <summary>User + system CPU time of the server process so far.</summary>
    public TimeSpan CpuTime() => ProcessCpu.Read(_process.Id);

    public async Task<ServerStats> StatsAsync(bool collect)
    {
        using var doc = await Http.GetFromJsonAsync<JsonDocument>(collect ? "stats?gc=1" : "stats").ConfigureAwait(false);
        var root = doc!.RootElement;
        return new ServerStats(root.GetProperty("sockets").GetInt32(), root.GetProperty("rss").GetInt64(), root.TryGetProperty("heap", out var h) ? h.GetInt64() : 0);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void OnLine(string? line, TaskCompletionSource? ready)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (ready is not null && line.StartsWith("READY", StringComparison.Ordinal)) ready.TrySetResult();
    }
}
