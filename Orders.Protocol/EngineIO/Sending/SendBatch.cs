using System.Runtime.InteropServices;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// Frames for many connections, written together by one io_uring submission when flushed (or when full). A
/// session hands its frame here instead of sending it when it would have sent directly; it stays the frame's
/// only writer meanwhile (its drain flag stays set, so later frames queue behind it), and the connection holds
/// the WebSocket's own writes until the frame is written. One thread uses a batch at a time.
/// <para>
/// Frames that leave together in one write (<see cref="SendPump"/>) are copied into the batch's gather arena, one
/// pinned array made on first use and reused from flush to flush: the writes of a busy server allocate nothing.
/// </para>
/// </summary>
internal sealed class SendBatch : IDisposable
{
    private readonly SendBatchPool _pool;
    private readonly SessionWriter?[] _writers = new SessionWriter?[IoUringRing.Capacity];
    private readonly ReadOnlyMemory<byte>[] _frames = new ReadOnlyMemory<byte>[IoUringRing.Capacity];
    private readonly int[] _sockets = new int[IoUringRing.Capacity];
    private readonly nint[] _buffers = new nint[IoUringRing.Capacity];
    private readonly int[] _lengths = new int[IoUringRing.Capacity];
    private readonly int[] _results = new int[IoUringRing.Capacity];

    // Sized for a full batch of a few frames each; a pump flushes early when less than a gather's maximum is left.
    private const int ArenaBytes = 512 * 1024;
    private byte[]? _arena;
    private nint _arenaAddress;
    private int _arenaUsed;

    // A broadcast hands every recipient the same array: it is pinned once, not once per recipient.
    private readonly List<GCHandle> _pins = [];
    private object? _lastPinned;

    // Frames up to this size that are not in the arena are copied into it instead of pinned (see Add); the same
    // frame handed again (a broadcast's next recipient) reuses the copy.
    private const int CopyUpToBytes = 1024;
    private ReadOnlyMemory<byte> _lastCopied;
    private nint _lastCopiedAddress;
    private IoUringRing? _ring;
    private int _count;

    internal SendBatch(SendBatchPool pool, IoUringRing ring)
    {
        _pool = pool;
        _ring = ring;
    }

    /// <summary>Whether the batch can take <paramref name="frame"/> (whole WebSocket frames); if not, it must be sent now instead.</summary>
    public bool HasRoomFor(ReadOnlyMemory<byte> frame) =>
        _ring is not null && _count != IoUringRing.Capacity && MemoryMarshal.TryGetArray(frame, out _);

    /// <summary>
    /// Takes <paramref name="frame"/> (for which <see cref="HasRoomFor"/> said yes) for <paramref name="writer"/>'s
    /// connection <paramref name="socket"/>, reserved by the writer until it hears the result
    /// (<see cref="SessionWriter.OnBatchWritten"/>).
    /// </summary>
    /// <remarks>With <paramref name="flushWhenFull"/> false the caller flushes a full batch (<see cref="IsFull"/>) before adding to it.</remarks>
    public void Add(SessionWriter writer, int socket, ReadOnlyMemory<byte> frame, bool flushWhenFull)
    {
        MemoryMarshal.TryGetArray(frame, out var segment);
        nint address;
        if (ReferenceEquals(segment.Array, _arena))
        {
            address = _arenaAddress + segment.Offset;
        }
        else if (ReferenceEquals(segment.Array, _lastPinned))
        {
            address = _pins[^1].AddrOfPinnedObject() + segment.Offset;
        }
        else if (frame.Equals(_lastCopied))
        {
            address = _lastCopiedAddress;
        }
        else if (segment.Count <= CopyUpToBytes && segment.Count <= GatherRoom)
        {
            // A small frame of its own (an emit to one user's room in a batch) is copied rather than pinned: a pinned
            // handle allocated and freed per frame cost more than the copy. The batch keeps the original for a short
            // write, which outlives the arena.
            var offset = _arenaUsed;
            frame.Span.CopyTo(Reserve(segment.Count).Span);
            address = _arenaAddress + offset;
            (_lastCopied, _lastCopiedAddress) = (frame, address);
        }
        else
        {
            _pins.Add(GCHandle.Alloc(segment.Array, GCHandleType.Pinned));
            _lastPinned = segment.Array;
            address = _pins[^1].AddrOfPinnedObject() + segment.Offset;
        }

        var i = _count++;
        _writers[i] = writer;
        _frames[i] = frame;
        _sockets[i] = socket;
        _buffers[i] = address;
        _lengths[i] = segment.Count;
        if (flushWhenFull && _count == IoUringRing.Capacity) Flush();
    }

    /// <summary>Whether the batch must be flushed before it takes another frame.</summary>
    public bool IsFull => _count == IoUringRing.Capacity;

    /// <summary>Bytes the gather arena has left before the next flush.</summary>
    public int GatherRoom => ArenaBytes - _arenaUsed;

    /// <summary>
    /// <paramref name="length"/> bytes of the gather arena (at most <see cref="GatherRoom"/>) for frames to be copied
    /// into and added as one; valid until the next flush.
    /// </summary>
    public Memory<byte> Reserve(int length)
    {
        if (_arena is null)
        {
            _arena = GC.AllocateUninitializedArray<byte>(ArenaBytes, pinned: true);
            _arenaAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_arena, 0);
        }

        var reserved = _arena.AsMemory(_arenaUsed, length);
        _arenaUsed += length;
        return reserved;
    }

    /// <summary>Writes every frame taken so far and lets each session's writer go on with what queued behind it.</summary>
    public void Flush()
    {
        var count = _count;
        var arenaUsed = _arenaUsed;
        _arenaUsed = 0;
        if (count == 0) return;
        _count = 0;
        var ring = _ring!;
        if (!ring.SendAll(_sockets.AsSpan(0, count), _buffers.AsSpan(0, count), _lengths.AsSpan(0, count), _results))
        {
            // Sends it had not queued may still sit in the ring: it is never entered again.
            ring.Dispose();
            _ring = null;
            _pool.OnRingFailed();
        }

        foreach (var pin in _pins) pin.Free();
        _pins.Clear();
        _lastPinned = null;
        _lastCopied = default;

        for (var i = 0; i < count; i++)
        {
            // The rest of a short write goes on by the slow path after the arena is reused: it gets its own copy.
            var frame = _frames[i];
            if (_results[i] != _lengths[i] && MemoryMarshal.TryGetArray(frame, out var segment) && ReferenceEquals(segment.Array, _arena)) frame = frame.ToArray();
            var writer = _writers[i]!;
            _writers[i] = null;
            _frames[i] = default;
            writer.OnBatchWritten(frame, _results[i]);
        }

#if DEBUG
        // Anything that still read the arena after its flush would read this, not stale bytes that happen to be right.
        _arena?.AsSpan(0, arenaUsed).Fill(0xEE);
#endif
    }

    /// <summary>Flushes and goes back to the pool.</summary>
    public void Dispose()
    {
        Flush();
        _pool.Return(this);
    }

    internal bool IsUsable => _ring is not null;

    internal void DisposeRing()
    {
        _ring?.Dispose();
        _ring = null;
    }
}
