using System.Diagnostics;

namespace Orders.LoadGen.Client;

/// <summary>Counters and recordings shared by every client of one worker process.</summary>
internal sealed class WorkerState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, (int Count, long MaxTicks)> _ttl = [];
    private List<int> _latencyUs = [];

    public WorkerState(Action<string> push) => Push = push;

    /// <summary>Writes an unsolicited line to the coordinator (a broadcast reached every client of this worker).</summary>
    public Action<string> Push { get; }

    public long Open;
    public long Joined;
    public long Rejected;
    public long Failed;
    public long Closed;
    public long Delivered;
    public long Pings;
    public long Errors;

    /// <summary>What an event's timestamp is used for: nothing, a latency sample each, or the last recipient of each broadcast.</summary>
    public volatile RecordMode Mode;

    /// <summary>How many clients of this worker a tracked broadcast must reach before it is complete.</summary>
    public int TtlTarget;

    /// <summary>
    /// Set by the orders scenario (clients run in the coordinator): called with the order id, the sequence number in
    /// the notes (<c>"notes":"bench-N"</c>) and the offset of each <c>order:updated</c>, and its arrival time in Stopwatch ticks.
    /// </summary>
    public OrderUpdateSink? OrderUpdates { get; init; }

    /// <summary>Arrival times are being recorded: the clients must read each event as soon as it is ready.</summary>
    public bool Timed => Mode != RecordMode.None || OrderUpdates is not null;

    /// <summary>
    /// A worker's timed phase (latency, broadcast TTL): its loop polls instead of sleeping. Not the orders scenario,
    /// whose clients run in the coordinator on the core PostgreSQL needs.
    /// </summary>
    public bool Polls => Mode != RecordMode.None;

    public void OnEvent(long sentTicks, long seq)
    {
        Interlocked.Increment(ref Delivered);
        var mode = Mode;
        if (mode == RecordMode.None || sentTicks <= 0) return;
        var elapsed = Stopwatch.GetTimestamp() - sentTicks;
        if (mode == RecordMode.Latency)
        {
            var us = (int)Math.Min(int.MaxValue, elapsed * 1_000_000 / Stopwatch.Frequency);
            lock (_gate) _latencyUs.Add(us);
            return;
        }

        if (seq < 0) return;
        string? done = null;
        lock (_gate)
        {
            _ttl.TryGetValue(seq, out var entry);
            entry = (entry.Count + 1, Math.Max(entry.MaxTicks, elapsed));
            if (entry.Count >= TtlTarget)
            {
                _ttl.Remove(seq);
                done = $"{{\"type\":\"ttl\",\"seq\":{seq},\"n\":{entry.Count},\"maxUs\":{entry.MaxTicks * 1_000_000 / Stopwatch.Frequency}}}";
            }
            else
            {
                _ttl[seq] = entry;
            }
        }

        if (done is not null) Push(done);
    }

    public List<int> TakeSamples()
    {
        lock (_gate)
        {
            var taken = _latencyUs;
            _latencyUs = [];
            return taken;
        }
    }
}

/// <summary>
/// An <c>order:updated</c> event reached a client: the order id (ASCII GUID), the notes' sequence number, the event's
/// offset (its last argument; -1 if it had none) and the arrival time.
/// </summary>
internal delegate void OrderUpdateSink(ReadOnlySpan<byte> orderId, long seq, long offset, long arrivalTicks);
