using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Orders.LoadGen.Runner;

/// <summary>A generator worker process (this same program, <c>worker</c> mode): one command out, one JSON line back.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _turn = new(1);
    private readonly Channel<JsonElement> _replies = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reader;

    private WorkerProcess(Process process, string source, Channel<JsonElement> pushes)
    {
        _process = process;
        Source = source;
        _reader = ReadAsync(pushes);
    }

    /// <summary>The 127.0.0.x address this worker's clients connect from.</summary>
    public string Source { get; }

    public int Capacity { get; init; }

    public TimeSpan CpuTime() => ProcessCpu.Read(_process.Id);

    public int Assigned { get; set; }

    /// <summary>Starts worker <paramref name="index"/> pinned to <paramref name="core"/> (the generator's core, never the server's).</summary>
    public static WorkerProcess Start(int index, int capacity, string core, Channel<JsonElement> pushes)
    {
        var info = new ProcessStartInfo("taskset")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(core);
        foreach (var arg in SelfCommand.With("worker")) info.ArgumentList.Add(arg);
        // Without it the clients' code would still be recompiling during a storm of a few seconds.
        PinnedRuntime.Apply(info);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a worker");
        return new WorkerProcess(process, $"127.0.0.{10 + index}", pushes) { Capacity = capacity };
    }

    public async Task<JsonElement> AskAsync(string command, TimeSpan timeout)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            using var cts = new CancellationTokenSource(timeout);
            return await _replies.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"worker {Source} did not answer '{command}' within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
                await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _reader.ConfigureAwait(false);
        _process.Dispose();
        _turn.Dispose();
    }

    private async Task ReadAsync(Channel<JsonElement> pushes)
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0 || line[0] != '{') continue;
            var element = JsonDocument.Parse(line).RootElement;
            var target = element.GetProperty("type").GetString() == "ttl" ? pushes : _replies;
            target.Writer.TryWrite(element);
        }

        _replies.Writer.TryComplete();
    }
}
