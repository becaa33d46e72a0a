using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Orders.LoadGen.Runner;

/// <summary>
/// What the orders scenario sent and what arrived, by change number: sent and answered changes, failed requests and
/// <c>order:updated</c> arrivals. Decides delivered == expected only after every answered change has had a fair
/// chance to deliver: a saturated API still has events queued when the load stops, and those are late, not lost.
/// Each event's offset (its position in the outbox) must grow from one event of an order to the next.
/// </summary>
/// <remarks>
/// Flat arrays sized for the whole run, indexed by change number, so recording allocates nothing. The first version
/// kept dictionaries of tuples and id strings: every gen0 collection of this process then promoted the ledger's growth
/// (~8 MB), which paused the clients and the requests for 50-100 ms, and those pauses were a large part of the p99.
/// </remarks>
internal sealed class OrderChangeLedger
{
    private readonly byte[][] _orderIds;
    private readonly int[] _order;
    private readonly long[] _sent;
    private readonly long[] _answered;
    private readonly long[] _arrived;
    private readonly bool[] _failed;
    private readonly long[] _lastOffset;
    private readonly ConcurrentQueue<string> _failures = new();
    private long _duplicates;
    private long _wrongOrder;
    private long _outOfRange;
    private long _withOffset;
    private long _withoutOffset;
    private long _offsetNotAfterPrevious;

    /// <param name="orderIds">The orders changed, by index.</param>
    /// <param name="capacity">How many changes the run can make at most.</param>
    public OrderChangeLedger(IReadOnlyList<string> orderIds, int capacity)
    {
        _orderIds = orderIds.Select(Encoding.ASCII.GetBytes).ToArray();
        _order = new int[capacity];
        Array.Fill(_order, -1);
        _sent = new long[capacity];
        _answered = new long[capacity];
        _arrived = new long[capacity];
        _failed = new bool[capacity];
        _lastOffset = new long[orderIds.Count];
    }

    public int Capacity => _order.Length;

    public int FailureCount => _failures.Count;

    public string? FirstFailure => _failures.TryPeek(out var f) ? f : null;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Events whose order id was not the changed order's.</summary>
    public long WrongOrder => Interlocked.Read(ref _wrongOrder);

    /// <summary>Events with an offset as their last argument.</summary>
    public long WithOffset => Interlocked.Read(ref _withOffset);

    /// <summary>Events without one: a client could not recover from them (a build from before the outbox sends none).</summary>
    public long WithoutOffset => Interlocked.Read(ref _withoutOffset);

    /// <summary>
    /// Events whose offset was not above the previous event's of the same order. One change per order is in flight
    /// and each order has one owner and one client, so an order's events must come in commit order, offsets rising.
    /// </summary>
    public long OffsetNotAfterPrevious => Interlocked.Read(ref _offsetNotAfterPrevious);

    /// <summary>Changes answered with success.</summary>
    public int AnsweredCount => Count(seq => _answered[seq] != 0);

    /// <summary>Recorded before the request goes out, so before its event can arrive.</summary>
    public void OnSent(long seq, int order, long ticks)
    {
        _sent[seq] = ticks;
        Volatile.Write(ref _order[seq], order);
    }

    public void OnAnswered(long seq, long ticks) => Volatile.Write(ref _answered[seq], ticks);

    public void OnFailed(long seq, string why)
    {
        Volatile.Write(ref _failed[seq], true);
        _failures.Enqueue(why);
    }

    /// <summary>Called by the clients' one event-loop thread, so the last offset of each order needs no lock.</summary>
    public void OnArrived(ReadOnlySpan<byte> orderId, long seq, long offset, long ticks)
    {
        var order = (ulong)seq < (ulong)_order.Length ? Volatile.Read(ref _order[seq]) : -1;
        if (order < 0)
        {
            Interlocked.Increment(ref _outOfRange);
            return;
        }

        if (Interlocked.CompareExchange(ref _arrived[seq], ticks, 0) != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (!orderId.SequenceEqual(_orderIds[order])) Interlocked.Increment(ref _wrongOrder);
        if (offset < 0)
        {
            Interlocked.Increment(ref _withoutOffset);
            return;
        }

        Interlocked.Increment(ref _withOffset);
        if (offset <= _lastOffset[order]) Interlocked.Increment(ref _offsetNotAfterPrevious);
        else _lastOffset[order] = offset;
    }

    /// <summary>The answered changes that delivered their event: when sent, answered and arrived (Stopwatch ticks).</summary>
    public IEnumerable<(long Sent, long Answered, long Arrived)> Delivered()
    {
        for (var seq = 0; seq < _order.Length; seq++)
        {
            if (_answered[seq] != 0 && _arrived[seq] != 0) yield return (_sent[seq], _answered[seq], _arrived[seq]);
        }
    }

    /// <summary>
    /// Waits until every answered change's event has arrived, while events keep arriving: it gives up only after
    /// <paramref name="stall"/> without a new one, or after <paramref name="cap"/> in all. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> WaitForEventsAsync(TimeSpan stall, TimeSpan cap)
    {
        var started = Stopwatch.GetTimestamp();
        var lastProgress = started;
        var seen = ArrivedCount();
        while (Missing() > 0 && Stopwatch.GetElapsedTime(started) < cap && Stopwatch.GetElapsedTime(lastProgress) < stall)
        {
            await Task.Delay(20).ConfigureAwait(false);
            var now = ArrivedCount();
            if (now != seen)
            {
                seen = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Answered changes whose event has not arrived.</summary>
    public int Missing() => Count(seq => Volatile.Read(ref _answered[seq]) != 0 && Volatile.Read(ref _arrived[seq]) == 0);

    /// <summary>
    /// Events of changes never answered: a failed request may still have committed (its failure is reported), so only
    /// events of changes that were never made at all count here, and events for change numbers never sent.
    /// </summary>
    public long Unexpected() =>
        Interlocked.Read(ref _outOfRange) + Count(seq => _arrived[seq] != 0 && _answered[seq] == 0 && !_failed[seq]);

    private int ArrivedCount() => Count(seq => Volatile.Read(ref _arrived[seq]) != 0);

    private int Count(Func<int, bool> match)
    {
        var n = 0;
        for (var seq = 0; seq < _order.Length; seq++)
        {
            if (match(seq)) n++;
        }

        return n;
    }
}
