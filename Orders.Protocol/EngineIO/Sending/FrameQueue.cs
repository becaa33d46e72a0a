using System.Diagnostics;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// A session's waiting frames: a ring that grows an array only when frames wait (as <see cref="Queue{T}"/> does, and
/// never shrinks), kept inline in its <see cref="SessionWriter"/> rather than as an object of its own, so a session
/// costs one object less. A mutable struct: only ever used through the writer's field, under the writer's lock, and
/// never copied.
/// </summary>
internal struct FrameQueue
{
    // The most the pump copies together into one write: a socket's backlog leaves in several writes, not one copy
    // of all of it (past a few KB a write costs by the byte anyway).
    internal const int MaxPumpedBytes = 16 * 1024;

    // Growth as Queue<T>'s: double, by at least four.
    private const int MinimumGrow = 4;

    // No tail index: it follows from the head and the count, and a field less keeps a session at its old size.
    private OutgoingFrame[]? _array;
    private int _head;
    private int _count;

    /// <summary>Frames waiting. Read without the lock only as a hint.</summary>
    public readonly int Count => _count;

    public void Enqueue(OutgoingFrame frame)
    {
        if (_array is null || _count == _array.Length) Grow();
        _array![Slot(_count)] = frame;
        _count++;
    }

    public bool TryDequeue(out OutgoingFrame frame)
    {
        if (_count == 0)
        {
            frame = default;
            return false;
        }

        frame = _array![_head];
        _array[_head] = default;
        _head = _head + 1 == _array.Length ? 0 : _head + 1;
        _count--;
        return true;
    }

    public readonly bool TryPeek(out OutgoingFrame frame)
    {
        if (_count == 0)
        {
            frame = default;
            return false;
        }

        frame = _array![_head];
        return true;
    }

    public void Clear()
    {
        if (_count > 0)
        {
            var first = Math.Min(_count, _array!.Length - _head);
            Array.Clear(_array, _head, first);
            Array.Clear(_array, 0, _count - first);
        }

        _head = 0;
        _count = 0;
    }

    /// <summary>
    /// The bytes of the next write: <paramref name="head"/> and the waiting frames behind it that have their wire
    /// form, up to <see cref="MaxPumpedBytes"/> (a single frame goes as it is, however long) and up to the next frame
    /// that goes alone (<see cref="OutgoingFrame.Alone"/>, written by itself); several are copied into
    /// <paramref name="batch"/>'s gather arena. Returns how many came from the queue; they stay queued until the caller
    /// dequeues them.
    /// </summary>
    public readonly (ReadOnlyMemory<byte> Wire, int FromQueue) Gather(ReadOnlyMemory<byte> head, SendBatch batch)
    {
        var length = head.Length;
        var count = head.IsEmpty ? 0 : 1;
        var single = head;
        var fromQueue = 0;
        if (_count == 0) return (head, 0);
        for (var i = 0; i < _count; i++)
        {
            var frame = At(i);
            if (frame.Wire.IsEmpty || (count > 0 && (frame.Alone || length + frame.Wire.Length > MaxPumpedBytes))) break;
            if (count == 0) single = frame.Wire;
            length += frame.Wire.Length;
            count++;
            fromQueue++;

            // An answer goes by itself (see EngineSession.Answering): the frames behind it wait for the next write.
            if (frame.Alone) break;
        }

        if (count <= 1) return (single, fromQueue);
        var gathered = batch.Reserve(length);
        var offset = 0;
        if (!head.IsEmpty)
        {
            head.Span.CopyTo(gathered.Span);
            offset = head.Length;
        }

        for (var i = 0; i < fromQueue; i++)
        {
            var wire = At(i).Wire;
            wire.Span.CopyTo(gathered.Span[offset..]);
            offset += wire.Length;
        }

        return (gathered, fromQueue);
    }

    private readonly ref readonly OutgoingFrame At(int index)
    {
        Debug.Assert(index < _count);
        return ref _array![Slot(index)];
    }

    // The array index of the frame index places behind the head (index at most the array's length).
    private readonly int Slot(int index)
    {
        var slot = _head + index;
        return slot < _array!.Length ? slot : slot - _array.Length;
    }

    private void Grow()
    {
        var old = _array ?? [];
        var capacity = Math.Max(old.Length * 2, old.Length + MinimumGrow);
        var grown = new OutgoingFrame[capacity];
        if (_count > 0)
        {
            var first = Math.Min(_count, old.Length - _head);
            Array.Copy(old, _head, grown, 0, first);
            Array.Copy(old, 0, grown, first, _count - first);
        }

        _array = grown;
        _head = 0;
    }
}
