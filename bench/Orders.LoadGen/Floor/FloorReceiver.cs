using System.Diagnostics;
using System.Net;
using Orders.LoadGen.Client.Native;

namespace Orders.LoadGen.Floor;

/// <summary>
/// The floor's clients: plain TCP sockets on one thread and one edge-triggered epoll, polled as the workers poll in a
/// timed phase (never asleep in the kernel, so the sender pays no wake-up), which reports for each broadcast the time
/// from its start to its last recipient. One broadcast at a time.
/// </summary>
internal sealed unsafe class FloorReceiver : IDisposable
{
    private const int MaxEvents = 1024;

    private readonly int _epoll;
    private readonly int[] _fds;
    private readonly byte[] _partial;
    private readonly int[] _have;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private volatile bool _stopping;

    // The broadcast being waited for: its number, how many clients have it, and who waits.
    private long _seq = -1;
    private int _received;
    private TaskCompletionSource<double>? _done;

    private FloorReceiver(int epoll, int[] fds)
    {
        _epoll = epoll;
        _fds = fds;
        _partial = new byte[fds.Length * FloorMessage.Length];
        _have = new int[fds.Length];
        _thread = new Thread(Run) { IsBackground = true, Name = "floor receiver" };
        _thread.Start();
    }

    /// <summary>Connects <paramref name="count"/> clients to the sender on <paramref name="port"/>, each registered before the next connects.</summary>
    public static FloorReceiver Connect(int port, int count)
    {
        var epoll = Libc.EpollCreate1(Libc.EpollCloExec);
        if (epoll < 0) throw new InvalidOperationException($"epoll_create1 failed, errno {Libc.Errno}");
        var fds = new int[count];
        var address = SockAddrIn.From(IPAddress.Loopback, port);
        for (var i = 0; i < count; i++)
        {
            // Blocking connects, as fast as the sender accepts; the sockets stay blocking, since every read says MSG_DONTWAIT.
            var fd = Libc.Socket(Libc.AfInet, Libc.SockStream | Libc.SockCloExec, 0);
            if (fd >= 0) fds[i] = fd;
            var ev = new EpollEvent { Events = Libc.EpollIn | Libc.EpollEt, Data = (ulong)i };
            if (fd < 0 || Libc.Connect(fd, &address, sizeof(SockAddrIn)) != 0 || Libc.EpollCtl(epoll, Libc.EpollCtlAdd, fd, &ev) != 0)
            {
                var errno = Libc.Errno;
                foreach (var open in fds.AsSpan(0, fd >= 0 ? i + 1 : i)) Libc.Close(open);
                Libc.Close(epoll);
                throw new InvalidOperationException($"floor client {i} could not connect, errno {errno}");
            }
        }

        return new FloorReceiver(epoll, fds);
    }

    /// <summary>Waits for broadcast <paramref name="seq"/>: completes with milliseconds to its last recipient. Call before it is sent.</summary>
    public Task<double> Expect(long seq)
    {
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _seq = seq;
            _received = 0;
            _done = done;
        }

        return done.Task;
    }

    private void Run()
    {
        var events = GC.AllocateArray<EpollEvent>(MaxEvents, pinned: true);
        var chunk = new byte[4096];
        fixed (EpollEvent* ready = events)
        fixed (byte* buffer = chunk)
        {
            while (!_stopping)
            {
                var n = Libc.EpollWait(_epoll, ready, MaxEvents, 0);
                if (n <= 0)
                {
                    Thread.Yield();
                    continue;
                }

                for (var i = 0; i < n; i++) Drain((int)ready[i].Data, buffer, chunk.Length);
            }
        }
    }

    /// <summary>Reads client <paramref name="index"/> until the kernel has no more (edge-triggered: a short read says so).</summary>
    private void Drain(int index, byte* buffer, int size)
    {
        while (true)
        {
            var got = (int)Libc.Recv(_fds[index], buffer, size, Libc.MsgDontWait);
            if (got <= 0) return;
            var data = new ReadOnlySpan<byte>(buffer, got);
            while (!data.IsEmpty)
            {
                var message = _partial.AsSpan(index * FloorMessage.Length, FloorMessage.Length);
                var take = Math.Min(FloorMessage.Length - _have[index], data.Length);
                data[..take].CopyTo(message[_have[index]..]);
                data = data[take..];
                _have[index] += take;
                if (_have[index] < FloorMessage.Length) continue;
                _have[index] = 0;
                OnMessage(message);
            }

            if (got < size) return;
        }
    }

    private void OnMessage(ReadOnlySpan<byte> message)
    {
        var (seq, start) = FloorMessage.Read(message);
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (seq != _seq || ++_received < _fds.Length) return;
            _done?.TrySetResult(Stopwatch.GetElapsedTime(start, now).TotalMilliseconds);
            _done = null;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        foreach (var fd in _fds) Libc.Close(fd);
        Libc.Close(_epoll);
    }
}
