using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Orders.LoadGen.Runner;

/// <summary>
/// What the orders scenario sent and what arrived, by change number: answered changes, failed requests and
/// <c>order:updated</c> arrivals. Decides delivered == expected only after every answered change has had a fair
/// chance to deliver: a saturated API still has events queued when the load stops, and those are late, not lost.
/// </summary>
internal sealed class OrderChangeLedger
{
    private readonly ConcurrentDictionary<long, (string Id, long Sent, long Answered)> _answered = new();
    private readonly ConcurrentDictionary<long, (string Id, long Ticks)> _arrivals = new();
    private readonly ConcurrentDictionary<long, byte> _failed = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private long _duplicates;

    public IReadOnlyDictionary<long, (string Id, long Sent, long Answered)> Answered => _answered;

    public IReadOnlyDictionary<long, (string Id, long Ticks)> Arrivals => _arrivals;

    public int FailureCount => _failures.Count;

    public string? FirstFailure => _failures.TryPeek(out var f) ? f : null;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public void OnAnswered(long seq, string orderId, long sent, long answered) => _answered[seq] = (orderId, sent, answered);

    public void OnFailed(long seq, string why)
    {
        _failed[seq] = 0;
        _failures.Enqueue(why);
    }

    public void OnArrived(ReadOnlySpan<byte> orderId, long seq, long ticks)
    {
        if (!_arrivals.TryAdd(seq, (Encoding.ASCII.GetString(orderId), ticks))) Interlocked.Increment(ref _duplicates);
    }

    /// <summary>
    /// Waits until every answered change's event has arrived, while events keep arriving: it gives up only after
    /// <paramref name="stall"/> without a new one, or after <paramref name="cap"/> in all. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> WaitForEventsAsync(TimeSpan stall, TimeSpan cap)
    {
        var started = Stopwatch.GetTimestamp();
        var lastProgress = started;
        var seen = _arrivals.Count;
        while (Missing() > 0 && Stopwatch.GetElapsedTime(started) < cap && Stopwatch.GetElapsedTime(lastProgress) < stall)
        {
            await Task.Delay(20).ConfigureAwait(false);
            if (_arrivals.Count != seen)
            {
                seen = _arrivals.Count;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Answered changes whose event has not arrived.</summary>
    public int Missing() => _answered.Keys.Count(seq => !_arrivals.ContainsKey(seq));

    /// <summary>
    /// Events of changes never answered: a failed request may still have committed (its failure is reported), so only
    /// events of changes that were never made at all count here.
    /// </summary>
    public int Unexpected() => _arrivals.Keys.Count(seq => !_answered.ContainsKey(seq) && !_failed.ContainsKey(seq));
}
