using Orders.LoadGen.Client.Native;
using Orders.Protocol.EngineIO.Sending;

namespace Orders.LoadGen.Client;

/// <summary>
/// The reads of one <c>epoll_wait</c>'s ready clients in a few io_uring submissions instead of one <c>recv</c> each:
/// a system call costs about 1 µs in this VM, as much as the rest of a small read, and the generator has to stay
/// cheaper per delivery than the server it measures. Clients' buffers are pinned; loop thread only.
/// </summary>
internal sealed class BatchedReads : IDisposable
{
    private const byte OpRecv = 27; // IORING_OP_RECV

    private readonly IoUringRing _ring;
    private readonly ClientConnection[] _clients = new ClientConnection[IoUringRing.Capacity];
    private readonly int[] _sockets = new int[IoUringRing.Capacity];
    private readonly nint[] _buffers = new nint[IoUringRing.Capacity];
    private readonly int[] _lengths = new int[IoUringRing.Capacity];
    private readonly int[] _results = new int[IoUringRing.Capacity];
    private int _count;
    private bool _failed;

    private BatchedReads(IoUringRing ring) => _ring = ring;

    /// <summary>Null where io_uring is unavailable: the loop then reads each client itself.</summary>
    public static BatchedReads? TryCreate() => IoUringRing.TryCreate() is { } ring ? new BatchedReads(ring) : null;

    public void Add(ClientConnection client)
    {
        if (_failed)
        {
            client.OnReady();
            return;
        }

        _clients[_count] = client;
        _sockets[_count] = client.Fd;
        _lengths[_count] = client.FreeSpace(out _buffers[_count]);
        if (++_count == IoUringRing.Capacity) Run();
    }

    /// <summary>Reads every client added since the last run and lets each process what it got.</summary>
    public void Run()
    {
        var count = _count;
        if (count == 0) return;
        _count = 0;
        if (!_ring.Submit(OpRecv, Libc.MsgDontWait, _sockets.AsSpan(0, count), _buffers.AsSpan(0, count), _lengths.AsSpan(0, count), _results))
        {
            // Reads never queued are simply made by hand; a read the ring did not report is retried the same way.
            _failed = true;
            for (var i = 0; i < count; i++) _clients[i].OnReady();
            return;
        }

        for (var i = 0; i < count; i++)
        {
            _clients[i].OnReceived(_results[i], _lengths[i]);
            _clients[i] = null!;
        }
    }

    public void Dispose() => _ring.Dispose();
}
