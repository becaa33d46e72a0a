using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Orders.LoadGen.Client.Native;

namespace Orders.LoadGen.Client;

/// <summary>
/// One benchmark client on a non-blocking socket of an <see cref="EventLoop"/>: the WebSocket handshake,
/// client-masked frames out, unmasked frames in, and the Engine.IO / Socket.IO text framing by hand. It answers
/// pings, counts events and reads the send timestamp embedded in each event; nothing else is parsed. Every
/// member runs on the loop's thread.
/// </summary>
internal sealed unsafe class ClientConnection
{
    private static readonly byte[] Pong = MaskedFrame.Text("3"u8);

    private readonly EventLoop _loop;
    private readonly ConnectBatch _batch;
    private readonly WorkerState _state;
    private readonly string _token;
    // Events are ~200 bytes: 1 KiB covers a few at once and grows on demand. An 8 KiB buffer per client cost the
    // storm 150 MB of zeroed allocations at 19k clients, on the generator's one core.
    // Pinned: the event loop hands its address to io_uring for batched reads.
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(1024, pinned: true);
    private int _filled;
    private Stage _stage;
    private bool _joined;
    private bool _reported;

    public ClientConnection(EventLoop loop, ConnectBatch batch, string token)
    {
        _loop = loop;
        _batch = batch;
        _state = loop.State;
        _token = token;
    }

    public int Fd { get; private set; } = -1;

    /// <summary>Tells a live registration from a stale readiness report for a closed socket whose fd number was reused.</summary>
    public uint Generation { get; set; }

    /// <summary>Opens the socket and starts the connect; a failure settles the client at once.</summary>
    public void Start(in SockAddrIn server, in SockAddrIn source)
    {
        Fd = Libc.Socket(Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (Fd < 0)
        {
            Broken();
            return;
        }

        // Several source addresses widen the ephemeral port space; the port is picked at connect time.
        var address = source;
        var target = server;
        if (!Libc.SetOption(Fd, Libc.SolIp, Libc.IpBindAddressNoPort, 1)
            || !Libc.SetOption(Fd, Libc.IpProtoTcp, Libc.TcpNoDelay, 1)
            || Libc.Bind(Fd, &address, sizeof(SockAddrIn)) != 0)
        {
            Broken();
            return;
        }

        if (!_loop.Add(this))
        {
            Broken();
            return;
        }

        if (Libc.Connect(Fd, &target, sizeof(SockAddrIn)) == 0) Connected();
        else if (Libc.Errno != Libc.EInProgress) Broken();
    }

    /// <summary>The loop saw this socket ready: the connect finished, or data (or the end) arrived.</summary>
    public void OnReady()
    {
        if (_stage == Stage.Connecting)
        {
            int error = 0, length = sizeof(int);
            if (Libc.GetSockOpt(Fd, Libc.SolSocket, Libc.SoError, &error, &length) != 0 || error != 0)
            {
                Broken();
                return;
            }

            Connected();
            return;
        }

        // Edge-triggered: read until the socket is drained, or no new edge will come. The socket's receive buffer
        // bounds how long one client can keep the loop.
        while (true)
        {
            var free = FreeSpace(out var p);
            var n = Libc.Recv(Fd, (byte*)p, free, 0);
            if (n < 0)
            {
                var errno = Libc.Errno;
                if (errno == Libc.EAgain) return;
                if (errno == Libc.EIntr) continue;
                Broken();
                return;
            }

            if (!Consume((int)n, free)) return;
        }
    }

    /// <summary>Whether a readiness report can be served by one batched read (<see cref="FreeSpace"/>, then <see cref="OnReceived"/>).</summary>
    public bool ReadsInBatch => _stage == Stage.Joined;

    /// <summary>Room left in the read buffer (grown when full) and where it starts.</summary>
    public int FreeSpace(out nint start)
    {
        if (_filled == _buffer.Length) Grow(_buffer.Length * 2);
        start = (nint)Unsafe.AsPointer(ref _buffer[_filled]);
        return _buffer.Length - _filled;
    }

    /// <summary>A batched read of <paramref name="offered"/> bytes of room returned <paramref name="result"/> (bytes, or a negative errno).</summary>
    public void OnReceived(int result, int offered)
    {
        if (result < 0)
        {
            if (-result == Libc.EAgain) return;
            if (-result == Libc.EIntr)
            {
                OnReady();
                return;
            }

            Broken();
            return;
        }

        if (Consume(result, offered)) OnReady();
    }

    /// <summary>Takes <paramref name="n"/> bytes just read; true if the socket may hold more (the read filled all it was offered).</summary>
    private bool Consume(int n, int offered)
    {
        if (n == 0)
        {
            End();
            return false;
        }

        _filled += n;
        var result = Process();
        if (result == Outcome.Joined || result == Outcome.Rejected) Settle(result);
        if (_stage == Stage.Done)
        {
            End();
            return false;
        }

        // Short of the space offered: drained (data arriving later is a new edge). Skipping the recv that would
        // say EAGAIN saves a syscall per event.
        return n == offered;
    }

    private void Grow(int size)
    {
        var bigger = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        _buffer.AsSpan(0, _filled).CopyTo(bigger);
        _buffer = bigger;
    }

    /// <summary>Closes the socket; a client not yet settled settles as failed.</summary>
    public void End()
    {
        if (Fd < 0) return;
        Settle(Outcome.Failed);
        if (_joined) Interlocked.Increment(ref _state.Closed);
        _stage = Stage.Done;
        _loop.Remove(this);
        Libc.Close(Fd);
        Fd = -1;
    }

    private void Connected()
    {
        Interlocked.Increment(ref _state.Open);
        _stage = Stage.Upgrading;
        if (!Send(_batch.UpgradeRequest)) End();
    }

    /// <summary>A socket error: counted unless the client had already settled (a drop after the join is a close, not an error).</summary>
    private void Broken()
    {
        if (!_reported) Interlocked.Increment(ref _state.Errors);
        if (Fd >= 0)
        {
            End();
            return;
        }

        Settle(Outcome.Failed);
    }

    private void Settle(Outcome outcome)
    {
        if (_reported) return;
        _reported = true;
        _batch.OnSettled(outcome);
    }

    /// <summary>
    /// A non-blocking send of a tiny frame. A short write means a send buffer full of frames the server is not
    /// reading: the client is counted as an error and ends (the caller sees <see cref="Stage.Done"/>).
    /// </summary>
    private bool Send(ReadOnlySpan<byte> data)
    {
        nint n;
        fixed (byte* p = data)
        {
            do n = Libc.Send(Fd, p, data.Length, Libc.MsgDontWait | Libc.MsgNoSignal);
            while (n < 0 && Libc.Errno == Libc.EIntr);
        }

        if (n == data.Length) return true;
        if (n >= 0 || Libc.Errno == Libc.EAgain || !_reported) Interlocked.Increment(ref _state.Errors);
        _stage = Stage.Done;
        return false;
    }

    /// <summary>Consumes whole frames from the buffer; returns what happened to the join, if anything.</summary>
    private Outcome Process()
    {
        var data = _buffer.AsSpan(0, _filled);
        var consumed = 0;
        var outcome = Outcome.Pending;
        if (_stage == Stage.Upgrading)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0) return outcome;
            if (!data.StartsWith("HTTP/1.1 101"u8)) return Fail();
            consumed = end + 4;
            _stage = Stage.Opening;
        }

        while (_filled - consumed >= 2)
        {
            var frame = data[consumed..];
            var opcode = frame[0] & 0x0F;
            long length = frame[1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (frame.Length < 4) break;
                length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (frame.Length < 10) break;
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(frame[2..]);
                header = 10;
            }

            if ((frame[1] & 0x80) != 0 || (frame[0] & 0x80) == 0) return Fail(); // servers never mask; we never fragment-reassemble
            if (frame.Length < header + length)
            {
                if (header + length > _buffer.Length) Grow((int)(header + length));
                break;
            }

            var payload = frame.Slice(header, (int)length);
            consumed += header + (int)length;
            switch (opcode)
            {
                case 1:
                    var o = OnText(payload);
                    if (o != Outcome.Pending) outcome = o;
                    break;
                case 8:
                    _stage = Stage.Done;
                    return outcome;
                case 9:
                    Send(MaskedFrame.Build(0xA, payload));
                    break;
            }

            if (_stage == Stage.Done) return outcome;
        }

        _filled -= consumed;
        if (_filled > 0) _buffer.AsSpan(consumed, _filled).CopyTo(_buffer);
        return outcome;

        Outcome Fail()
        {
            Interlocked.Increment(ref _state.Errors);
            _stage = Stage.Done;
            return Outcome.Failed;
        }
    }

    private Outcome OnText(ReadOnlySpan<byte> p)
    {
        if (p.IsEmpty) return Outcome.Pending;
        switch (p[0])
        {
            case (byte)'2': // Engine.IO ping
                if (Send(Pong)) Interlocked.Increment(ref _state.Pings);
                return Outcome.Pending;
            case (byte)'0' when _stage == Stage.Opening:
                _stage = Stage.Joining;
                Send(MaskedFrame.Text(Encoding.ASCII.GetBytes($"40{{\"token\":\"{_token}\"}}")));
                return Outcome.Pending;
            case (byte)'1':
                _stage = Stage.Done;
                return Outcome.Pending;
            case (byte)'4' when p.Length > 1:
                return OnSocketPacket(p[1..]);
            default:
                return Outcome.Pending;
        }
    }

    private Outcome OnSocketPacket(ReadOnlySpan<byte> p)
    {
        switch (p[0])
        {
            case (byte)'2':
                if (_state.OrderUpdates is { } sink) EventFields.ReportOrderUpdate(p, sink);
                _state.OnEvent(EventFields.ReadNumber(p, "\"t\":"u8), EventFields.ReadNumber(p, "\"s\":"u8));
                return Outcome.Pending;
            case (byte)'0' when _stage == Stage.Joining:
                _stage = Stage.Joined;
                _joined = true;
                Interlocked.Increment(ref _state.Joined);
                return Outcome.Joined;
            case (byte)'4' when _stage == Stage.Joining:
                _stage = Stage.Done;
                Interlocked.Increment(ref _state.Rejected);
                return Outcome.Rejected;
            case (byte)'1':
                _stage = Stage.Done;
                return Outcome.Pending;
            default:
                return Outcome.Pending;
        }
    }

    private enum Stage
    {
        Connecting,
        Upgrading,
        Opening,
        Joining,
        Joined,
        Done,
    }
}
