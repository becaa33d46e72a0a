using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Sending;
using Orders.Protocol.EngineIO.Transports.Polling;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO session: its lifecycle, heartbeats and upgrade. Its outgoing queue and whichever transport drains
/// it belong to its writer (<see cref="SessionWriter"/>). Sends never block: on WebSocket the caller's thread writes
/// directly while the socket keeps up, and only a socket that cannot keep up has packets waiting.
/// </summary>
public sealed class EngineSession : IHeartbeatFiled
{
    // Also the session's lock (see SessionWriter): the upgrade and POST state below are guarded by it too.
    private readonly SessionWriter _writer;
    private bool _postActive;
    private UpgradeState _upgrade;
    private long _pingDueAt;
    private long _upgradeDeadline;
    private long _closingDeadline;

    internal EngineSession(EngineIOServer server, string id, TransportKind transport, EngineHandshakeRequest request, long now)
    {
        _writer = new SessionWriter(this, server, transport);
        Id = id;
        Request = request;
        PingDueAt = now + server.NextFirstPingDelayTicks();
    }

    /// <summary>The session id (<c>sid</c>).</summary>
    public string Id { get; }

    /// <summary>The current transport name: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => _writer.Transport.ToName();

    /// <summary>The handshake request of the session.</summary>
    public EngineHandshakeRequest Request { get; }

    /// <summary>State the handler attaches to the session (the Socket.IO layer keeps its client here).</summary>
    public object? Context { get; set; }

    /// <summary>Whether the session is still open for sending.</summary>
    public bool IsOpen => _writer.State == SessionWriter.SessionState.Open;

    internal TransportKind TransportKind => _writer.Transport;

    /// <summary>This session's outgoing side, and its lock.</summary>
    internal SessionWriter Writer => _writer;

    /// <summary>The client address's session permit, given back when the session closes; null when no cap applies.</summary>
    internal IDisposable? AddressPermit { get; init; }

    // Set under the session's lock before OnSessionClosed takes the session out of the heartbeat wheel. The sweep
    // reads it after filing the session under the wheel's lock, so either it sees the close or the removal follows.
    internal bool IsClosed => _writer.State == SessionWriter.SessionState.Closed;

    long IHeartbeatFiled.WheelSlot { get; set; } = IHeartbeatFiled.NotFiled;

    int IHeartbeatFiled.WheelIndex { get; set; }

    // Setting a deadline files the session in the heartbeat wheel for it (if not filed earlier already). The pong
    // deadline needs no note: only the sweep sets it, and the pass returns it (OnHeartbeat).
    internal long PingDueAt
    {
        get => _pingDueAt;
        set => Server.NoteDue(this, _pingDueAt = value);
    }

    internal long PongDeadline { get; set; }

    internal long UpgradeDeadline
    {
        get => _upgradeDeadline;
        set => Server.NoteDue(this, _upgradeDeadline = value);
    }

    internal long ClosingDeadline
    {
        get => _closingDeadline;
        set => Server.NoteDue(this, _closingDeadline = value);
    }

    /// <summary>
    /// Set by the WebSocket receive loop while the handler runs for one of the client's packets. What the handler
    /// sends then (a CONNECT's answer and what the connection handler emits, an ack, a pong) leaves as engine.io's
    /// does: each packet in a write of its own. Such sends are written at once by the receiving thread, one system call
    /// each, unless a write of the pump or of a batch holds the session (a ping or broadcast still being written when
    /// the client's packet came): then they queue, and the pump would gather them into one write, so a client that
    /// reads the socket once per packet found its second packet already taken with the first. Queued while answering,
    /// they are marked <see cref="OutgoingFrame.Alone"/>; frames of broadcasts, heartbeats and batches, and lone
    /// emits from elsewhere, are still gathered. What a handler sends after an await is not told apart.
    /// </summary>
    internal bool Answering
    {
        get => _writer.Answering;
        set => _writer.Answering = value;
    }

    internal bool IsUpgrading => _upgrade == UpgradeState.Probing;

    internal bool IsUpgraded => _upgrade == UpgradeState.Done;

    /// <summary>Queues a text message (an Engine.IO <c>4</c> packet whose payload is <paramref name="text"/>).</summary>
    public bool SendText(ReadOnlySpan<byte> text)
    {
        var frame = OutgoingFrame.AllocateText(text.Length + 1, out var payload);
        payload[0] = EnginePacketType.Message;
        text.CopyTo(payload[1..]);
        return Enqueue(frame);
    }

    /// <summary>Queues a binary message.</summary>
    public bool SendBinary(ReadOnlyMemory<byte> data) => Enqueue(OutgoingFrame.Binary(data));

    /// <summary>Closes the session from the server side after what is queued has been sent.</summary>
    public void Close() => BeginGracefulClose(EngineCloseReason.ForcedClose);

    private EngineIOServer Server => _writer.Server;

    internal bool Enqueue(OutgoingFrame frame) => Enqueue([frame]);

    /// <summary>Queues frames that must stay together (a Socket.IO packet and its attachments); see <see cref="SessionWriter.Enqueue"/>.</summary>
    internal bool Enqueue(ReadOnlySpan<OutgoingFrame> frames, SendRoute route = default) => _writer.Enqueue(frames, route);

    /// <summary>Whether a writer (a drain, the pump, a batch) still holds this session's frames.</summary>
    internal bool IsDraining => _writer.IsDraining;

    /// <summary>Server-initiated close: flush what is queued, then close the transport.</summary>
    internal void BeginGracefulClose(EngineCloseReason reason) => _writer.BeginClose(reason);

    /// <summary>Ends the session at once. Idempotent; the handler hears of it exactly once.</summary>
    internal void Terminate(EngineCloseReason reason)
    {
        if (_writer.Close()) Server.OnSessionClosed(this, reason);
    }

    internal void OnPong()
    {
        PongDeadline = 0;
        PingDueAt = Server.Now + Server.PingIntervalTicks;
    }

    /// <summary>Called by the heartbeat sweep: does what is due at <paramref name="now"/>; returns when this session next needs the sweep.</summary>
    internal long OnHeartbeat(long now, in FanOut pass)
    {
        var state = _writer.State;
        if (state == SessionWriter.SessionState.Closed) return long.MaxValue;
        if (state == SessionWriter.SessionState.Closing)
        {
            if (now < ClosingDeadline) return ClosingDeadline;
            Terminate(_writer.ClosingReason);
            return long.MaxValue;
        }

        if (PongDeadline != 0 && now >= PongDeadline)
        {
            Terminate(EngineCloseReason.PingTimeout);
            return long.MaxValue;
        }

        if (_upgrade == UpgradeState.Probing && now >= UpgradeDeadline) AbandonUpgrade();

        if (PongDeadline == 0 && now >= PingDueAt)
        {
            PongDeadline = now + Server.PingTimeoutTicks;
            PingDueAt = long.MaxValue;
            pass.Send(this, [OutgoingFrame.Ping]);
        }

        var next = PongDeadline != 0 ? PongDeadline : PingDueAt;
        return _upgrade == UpgradeState.Probing ? Math.Min(next, UpgradeDeadline) : next;
    }

    // ----- long polling: one GET and one POST at a time (the GETs drain the writer's queue) -----

    /// <summary>Starts a GET. Returns null to wait, or the outcome when the request must be refused.</summary>
    internal PollStart BeginPoll(out Task? wait) => _writer.BeginPoll(out wait);

    /// <summary>Takes what a finished GET answers with.</summary>
    internal List<OutgoingFrame> EndPoll(out bool finished) => _writer.EndPoll(out finished);

    internal void AbortPoll()
    {
        _writer.AbortPoll();
        Terminate(EngineCloseReason.TransportError);
    }

    internal bool TryBeginPost()
    {
        lock (_writer)
        {
            if (_postActive) return false;
            _postActive = true;
            return true;
        }
    }

    internal void EndPost()
    {
        lock (_writer) _postActive = false;
    }

    /// <summary>The client sent a close packet: a pending GET is released with a noop, then the session ends.</summary>
    internal void OnClientClose()
    {
        _writer.ReleasePollForClientClose();
        Terminate(EngineCloseReason.TransportClose);
    }

    // ----- the polling-to-WebSocket upgrade: probe, then switch the queue's transport -----

    internal bool TryBeginUpgrade()
    {
        TaskCompletionSource? wake;
        lock (_writer)
        {
            if (_writer.State != SessionWriter.SessionState.Open || _writer.Transport != TransportKind.Polling || _upgrade != UpgradeState.None) return false;
            _upgrade = UpgradeState.Probing;
            UpgradeDeadline = Server.Now + Server.UpgradeTimeoutTicks;
            wake = _writer.TakePendingPollLocked();
        }

        // The client pauses polling during the probe: release its pending GET (answered with a noop).
        wake?.TrySetResult();
        return true;
    }

    /// <summary>Why <see cref="TryBeginUpgrade"/> refuses this session now, named as engine.io's debug log names it.</summary>
    internal string UpgradeRefusal
    {
        get
        {
            lock (_writer)
            {
                if (_writer.State != SessionWriter.SessionState.Open) return "session closing";
                if (_upgrade == UpgradeState.Done) return "transport had already been upgraded";
                if (_upgrade == UpgradeState.Probing) return "transport has already been trying to upgrade";
                return _writer.Transport == TransportKind.WebSocket ? "transport is websocket already" : "upgrade refused";
            }
        }
    }

    internal bool CompleteUpgrade(WebSocket socket, ConnectionStream? frames)
    {
        TaskCompletionSource? wake;
        bool startDrain;
        lock (_writer)
        {
            if (_writer.State != SessionWriter.SessionState.Open || _upgrade != UpgradeState.Probing) return false;
            _upgrade = UpgradeState.Done;
            startDrain = _writer.SwitchToWebSocketLocked(socket, frames, out wake);
        }

        wake?.TrySetResult();
        Server.OnUpgraded(this);
        if (startDrain) _writer.StartDrain();
        return true;
    }

    internal void AbandonUpgrade()
    {
        lock (_writer)
        {
            if (_upgrade == UpgradeState.Probing) _upgrade = UpgradeState.None;
        }
    }

    /// <summary><paramref name="frames"/>: the connection under <paramref name="socket"/>, when prebuilt frames may be written to it.</summary>
    internal void AttachWebSocket(WebSocket socket, ConnectionStream? frames = null) => _writer.AttachWebSocket(socket, frames);

    private enum UpgradeState
    {
        None,
        Probing,
        Done,
    }
}
