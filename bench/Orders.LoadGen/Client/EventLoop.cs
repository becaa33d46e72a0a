using System.Collections.Concurrent;
using System.Net;
using Orders.LoadGen.Client.Native;

namespace Orders.LoadGen.Client;

/// <summary>
/// Every client of a process on one thread and one epoll: each ready socket is read, parsed and answered inline.
/// There is no thread-pool hop and no wake-up per event: while the loop is busy the kernel only queues readiness,
/// and one <c>epoll_wait</c> collects up to <see cref="MaxEvents"/> of them. Commands from other threads (connect,
/// stop) go through a queue and an eventfd that wakes the loop.
/// </summary>
internal sealed unsafe class EventLoop : IDisposable
{
    private const int MaxEvents = 1024;
    private const ulong WakeData = ulong.MaxValue;

    // Faster than the server, the loop would sleep in epoll_wait after nearly every event, and every event would
    // cost a wake-up on both sides (the server's sock_def_readable waking this thread: ~14% of the server's CPU
    // in the fan-out on this VM). Napping outside epoll_wait lets readiness pile up with nobody to wake; real
    // clients on other machines cost the server no wake-up either. Only while nothing is timed: a nap would add
    // up to this much to a measured latency.
    private static readonly TimeSpan Nap = TimeSpan.FromMilliseconds(1);

    private readonly int _epoll;
    private readonly int _wake;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly Thread _thread;
    private ClientConnection?[] _byFd = new ClientConnection?[1024];
    private uint _generation;
    private bool _disposed;

    public EventLoop(WorkerState state)
    {
        State = state;
        _epoll = Libc.EpollCreate1(Libc.EpollCloExec);
        if (_epoll < 0) throw new InvalidOperationException($"epoll_create1 failed, errno {Libc.Errno}");
        _wake = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloExec);
        if (_wake < 0) throw new InvalidOperationException($"eventfd failed, errno {Libc.Errno}");
        var ev = new EpollEvent { Events = Libc.EpollIn, Data = WakeData };
        if (Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, _wake, &ev) != 0) throw new InvalidOperationException($"epoll_ctl failed, errno {Libc.Errno}");
        _thread = new Thread(Run) { IsBackground = true, Name = "client event loop" };
        _thread.Start();
    }

    public WorkerState State { get; }

    /// <summary>Set on the loop's thread when it is told to stop: no new client starts after it.</summary>
    public bool Stopping { get; private set; }

    /// <summary>Opens <paramref name="count"/> clients from <paramref name="source"/>, at most <paramref name="inFlight"/> not yet settled; client i gets <paramref name="token"/>(i).</summary>
    public Task<ConnectTally> ConnectAsync(IPEndPoint server, IPAddress source, int count, int inFlight, Func<int, string> token)
    {
        var batch = new ConnectBatch(this, server, source, count, inFlight, token);
        Post(batch.Pump);
        return batch.Completion;
    }

    /// <summary>Closes every client (a joined one counts as closed); the loop goes on and can open more.</summary>
    public Task CloseAllAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            foreach (var client in _byFd) client?.End();
            done.SetResult();
        });
        return done.Task;
    }

    /// <summary>Closes every client (a joined one counts as closed) and stops the loop's thread.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Post(() => Stopping = true);
        _thread.Join();
        Libc.Close(_wake);
        Libc.Close(_epoll);
    }

    /// <summary>
    /// Registers a client's new socket (loop thread only), edge-triggered for both directions: the writable edge
    /// says the connect finished, each readable edge that data arrived. Once registered, a socket costs no
    /// epoll_ctl, and the kernel does not poll it again after each report as it would level-triggered.
    /// </summary>
    public bool Add(ClientConnection client)
    {
        if (client.Fd >= _byFd.Length) Array.Resize(ref _byFd, Math.Max(client.Fd + 1, _byFd.Length * 2));
        client.Generation = ++_generation;
        _byFd[client.Fd] = client;
        var ev = new EpollEvent { Events = Libc.EpollIn | Libc.EpollOut | Libc.EpollEt, Data = ((ulong)client.Generation << 32) | (uint)client.Fd };
        return Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, client.Fd, &ev) == 0;
    }

    /// <summary>Forgets a client about to close its socket (the close takes it out of the epoll).</summary>
    public void Remove(ClientConnection client)
    {
        if (client.Fd < _byFd.Length && _byFd[client.Fd] == client) _byFd[client.Fd] = null;
    }

    private void Post(Action command)
    {
        _commands.Enqueue(command);
        ulong one = 1;
        Libc.Write(_wake, &one, sizeof(ulong));
    }

    private void Run()
    {
        var events = GC.AllocateArray<EpollEvent>(MaxEvents, pinned: true);
        using var reads = BatchedReads.TryCreate();
        fixed (EpollEvent* ready = events)
        {
            while (!Stopping)
            {
                // In a worker's timed phase the loop never sleeps in the kernel: it polls and yields the core when
                // nothing is ready. A sleeping loop had each delivery that found it asleep wake it (an IPI the
                // server's send pays for, and a wake-up latency in the measured time); a nap would add its length.
                var timed = State.Timed;
                var polls = State.Polls;
                var n = Libc.EpollWait(_epoll, ready, MaxEvents, polls ? 0 : -1);
                if (n == 0 && polls)
                {
                    Thread.Yield();
                    continue;
                }

                if (n < 0)
                {
                    if (Libc.Errno == Libc.EIntr) continue;
                    throw new InvalidOperationException($"epoll_wait failed, errno {Libc.Errno}");
                }

                for (var i = 0; i < n; i++)
                {
                    var data = ready[i].Data;
                    if (data == WakeData)
                    {
                        RunCommands();
                        continue;
                    }

                    // A socket closed earlier in this batch may have had its fd number reused by a new client.
                    var fd = (int)(uint)data;
                    var client = fd < _byFd.Length ? _byFd[fd] : null;
                    if (client is null || client.Generation != (uint)(data >> 32)) continue;
                    if (reads is null || !client.ReadsInBatch) client.OnReady();
                    else reads.Add(client);
                }

                reads?.Run();

                if (n < MaxEvents && !timed) Thread.Sleep(Nap);
            }
        }

        foreach (var client in _byFd) client?.End();
    }

    private void RunCommands()
    {
        ulong count;
        Libc.Read(_wake, &count, sizeof(ulong));
        while (_commands.TryDequeue(out var command)) command();
    }
}
