using System.Runtime;

namespace Orders.BenchServer;

/// <summary>
/// One line per garbage collection (<c>--gc-log PATH</c>): its generation, whether it compacted, its pause and what it
/// promoted. Counters say how much the collections cost in total; a scenario's tail latency comes from one or two of
/// them, and which kind they were is the question (in the latency scenario: a compacting gen1 took 40-77 ms where a
/// sweeping one of more promoted bytes took 4-8 ms). Read every 20 ms, so collections closer together than that show
/// as one line that says how many it stands for.
/// </summary>
internal sealed class GcLog : IAsyncDisposable
{
    private readonly StreamWriter _writer;
    private readonly PeriodicTimer _timer = new(TimeSpan.FromMilliseconds(20));
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly GcReasons _reasons;
    private long _lastIndex;

    public GcLog(string path)
    {
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
        _lastIndex = GC.GetGCMemoryInfo(GCKind.Any).Index;
        _writer.WriteLine(FormattableString.Invariant($"# {(GCSettings.IsServerGC ? "server" : "workstation")} GC, started {DateTime.UtcNow:O}"));
        _reasons = new GcReasons(_writer, _gate);
        _loop = RunAsync();
    }

    private async Task RunAsync()
    {
        while (await _timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            if (info.Index == _lastIndex) continue;
            var seen = info.Index - _lastIndex;
            _lastIndex = info.Index;
            var pause = info.PauseDurations.Length > 1 ? info.PauseDurations[0] + info.PauseDurations[1] : info.PauseDurations[0];
            var gen1 = info.GenerationInfo[1];
            var more = seen > 1 ? FormattableString.Invariant($" (and {seen - 1} more since the last line)") : "";
            var line = FormattableString.Invariant(
                $"{DateTime.UtcNow:HH:mm:ss.fff} #{info.Index} gen{info.Generation} {(info.Compacted ? "compacting" : "sweeping")}{(info.Concurrent ? " background" : "")} pause={pause.TotalMilliseconds:F1}ms promoted={info.PromotedBytes / 1024}K heap={info.HeapSizeBytes / 1024}K gen1={gen1.SizeBeforeBytes / 1024}K->{gen1.SizeAfterBytes / 1024}K gen2={info.GenerationInfo[2].SizeAfterBytes / 1024}K{more}");
            lock (_gate) _writer.WriteLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        await _loop.ConfigureAwait(false);
        _reasons.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}
