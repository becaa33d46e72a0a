using System.Numerics;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// Sessions filed by when they next need the heartbeat sweep, one slot per sweep tick (a hashed timing wheel): a pass
/// visits only the sessions of the slots that have come, not every session. A session sits in at most one slot, the
/// one of its earliest deadline rounded up to a slot end, so it is never visited before that deadline has passed.
/// A deadline moved later leaves it where it is: the visit then finds nothing due and files it again, which costs
/// one visit instead of a move on every pong. Slot numbers are absolute; a slot's bucket also holds sessions due a
/// revolution or more later, which a pass leaves in place.
/// <para>
/// The wheel's lock is a leaf: nothing else is taken under it, and a session's own lock may be held when it files
/// itself. The sweep calls sessions outside it.
/// </para>
/// </summary>
internal sealed class HeartbeatWheel<TSession>
    where TSession : class, IHeartbeatFiled
{
    private const int MinSlots = 64;
    private const int MaxSlots = 8192;

    private readonly Lock _gate = new();
    private readonly long _slotTicks;
    private readonly Bucket[] _buckets;
    private readonly int _mask;

    // The first slot no pass has taken yet: a deadline already past is filed here, so the next pass takes it.
    private long _nextSlot;
    private int _count;

    /// <param name="slotTicks">One sweep tick, in timestamp ticks.</param>
    /// <param name="horizonTicks">The longest deadline ahead a session may set (more only costs a visit per revolution).</param>
    /// <param name="now">The current timestamp.</param>
    public HeartbeatWheel(long slotTicks, long horizonTicks, long now)
    {
        _slotTicks = Math.Max(1, slotTicks);
        var wanted = Math.Clamp(horizonTicks / _slotTicks + 2, MinSlots, MaxSlots);
        _buckets = new Bucket[(int)BitOperations.RoundUpToPowerOf2((uint)wanted)];
        _mask = _buckets.Length - 1;
        _nextSlot = now / _slotTicks + 1;
    }

    /// <summary>Sessions filed.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>Files <paramref name="session"/> for a deadline at <paramref name="at"/>, unless it is already filed no later.</summary>
    public void Schedule(TSession session, long at)
    {
        if (at == long.MaxValue) return;
        var slot = at / _slotTicks + (at % _slotTicks == 0 ? 0 : 1);
        lock (_gate)
        {
            slot = Math.Max(slot, _nextSlot);
            if (session.WheelSlot != IHeartbeatFiled.NotFiled)
            {
                if (session.WheelSlot <= slot) return;
                RemoveLocked(session);
            }

            ref var bucket = ref _buckets[slot & _mask];
            if (bucket.Items is null) bucket.Items = new TSession[4];
            else if (bucket.Items.Length == bucket.Count) Array.Resize(ref bucket.Items, bucket.Items.Length * 2);
            bucket.Items[bucket.Count] = session;
            session.WheelIndex = bucket.Count++;
            session.WheelSlot = slot;
            _count++;
        }
    }

    /// <summary>Takes a closed session out, so the wheel does not hold it until its slot comes.</summary>
    public void Remove(TSession session)
    {
        lock (_gate)
        {
            if (session.WheelSlot != IHeartbeatFiled.NotFiled) RemoveLocked(session);
        }
    }

    /// <summary>Moves every session whose slot has ended by <paramref name="now"/> into <paramref name="due"/>, unfiled.</summary>
    public void TakeDue(long now, List<TSession> due)
    {
        lock (_gate)
        {
            var last = now / _slotTicks;
            if (last < _nextSlot) return;

            // After a jump of more than a revolution (a stalled timer, a fake clock) one revolution visits every bucket.
            var first = Math.Max(_nextSlot, last - _buckets.Length + 1);
            for (var slot = first; slot <= last && _count > 0; slot++)
            {
                ref var bucket = ref _buckets[slot & _mask];
                for (var i = bucket.Count - 1; i >= 0; i--)
                {
                    var session = bucket.Items![i];
                    if (session.WheelSlot > last) continue;
                    RemoveAt(ref bucket, i);
                    due.Add(session);
                }
            }

            _nextSlot = last + 1;
        }
    }

    private void RemoveLocked(TSession session)
    {
        ref var bucket = ref _buckets[session.WheelSlot & _mask];
        RemoveAt(ref bucket, session.WheelIndex);
    }

    private void RemoveAt(ref Bucket bucket, int index)
    {
        var items = bucket.Items!;
        var session = items[index];
        var lastIndex = --bucket.Count;
        if (index != lastIndex)
        {
            var moved = items[lastIndex];
            items[index] = moved;
            moved.WheelIndex = index;
        }

        items[lastIndex] = null!;
        session.WheelSlot = IHeartbeatFiled.NotFiled;
        _count--;
    }

    // Items is made on a bucket's first session: most buckets of a quiet server stay empty.
    private struct Bucket
    {
        public TSession[]? Items;
        public int Count;
    }
}
