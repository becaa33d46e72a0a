using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Sending;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO session. It owns the outgoing queue; whichever transport is current drains it. Sends never
/// block: on WebSocket the caller's thread writes directly while the socket keeps up, and only a socket that
/// cannot keep up has packets waiting.
/// </summary>
public sealed partial class EngineSession : IHeartbeatFiled
{
    // The most the pump copies together into one write: a socket's backlog leaves in several writes, not one copy
    // of all of it (past a few KB a write costs by the byte anyway).
    internal const int MaxPumpedBytes = 16 * 1024;

    // Turns an emitter runs for a session that is full only because the pump is behind (each writes up to
    // MaxPumpedBytes of it); a queue still full after them is the client's doing after all.
    private const int MaxPumpHelps = 256;

    // Created empty (the shared empty array): most sessions never have a frame wait. It is also the session's lock
    // (never exposed): a lock object of its own would be one more object and cache line per session, touched by
    // every send of a fan-out, and kept through every collection for each of thousands of idle sockets.
    private readonly Queue<OutgoingFrame> _queue = new();
    private readonly EngineIOServer _server;
    private TransportKind _transport;
    private WebSocket? _webSocket;
    private ConnectionStream? _frames;
    private bool _draining;
    private bool _answering;

    // The frame handed to the pump with the drain flag: frames sent meanwhile queue behind it.
    private OutgoingFrame _pumped;
    private TaskCompletionSource? _pendingPoll;
    private bool _pollActive;
    private bool _postActive;
    private PollEnding _pollEnding;
    private UpgradeState _upgrade;
    private SessionState _state;
    private EngineCloseReason _closingReason = EngineCloseReason.ForcedClose;
    private long _pingDueAt;
    private long _upgradeDeadline;
    private long _closingDeadline;

    internal EngineSession(EngineIOServer server, string id, TransportKind transport, EngineHandshakeRequest request, long now)
    {
        _server = server;
        Id = id;
        _transport = transport;
        Request = request;
        PingDueAt = now + server.NextFirstPingDelayTicks();
    }

    /// <summary>The session id (<c>sid</c>).</summary>
    public string Id { get; }

    /// <summary>The current transport name: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => _transport.ToName();

    /// <summary>The handshake request of the session.</summary>
    public EngineHandshakeRequest Request { get; }

    /// <summary>State the handler attaches to the session (the Socket.IO layer keeps its client here).</summary>
    public object? Context { get; set; }

    /// <summary>Whether the session is still open for sending.</summary>
    public bool IsOpen => _state == SessionState.Open;

    internal TransportKind TransportKind => _transport;

    /// <summary>The client address's session permit, given back when the session closes; null when no cap applies.</summary>
    internal IDisposable? AddressPermit { get; init; }

    // Set under the session's lock before OnSessionClosed takes the session out of the heartbeat wheel. The sweep
    // reads it after filing the session under the wheel's lock, so either it sees the close or the removal follows.
    internal bool IsClosed => _state == SessionState.Closed;

    long IHeartbeatFiled.WheelSlot { get; set; } = IHeartbeatFiled.NotFiled;

    int IHeartbeatFiled.WheelIndex { get; set; }

    // Setting a deadline files the session in the heartbeat wheel for it (if not filed earlier already). The pong
    // deadline needs no note: only the sweep sets it, and the pass returns it (OnHeartbeat).
    internal long PingDueAt
    {
        get => _pingDueAt;
        set => _server.NoteDue(this, _pingDueAt = value);
    }

    internal long PongDeadline { get; set; }

    internal long UpgradeDeadline
    {
        get => _upgradeDeadline;
        set => _server.NoteDue(this, _upgradeDeadline = value);
    }

    internal long ClosingDeadline
    {
        get => _closingDeadline;
        set => _server.NoteDue(this, _closingDeadline = value);
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
        get => Volatile.Read(ref _answering);
        set => _answering = value;
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

    internal bool Enqueue(OutgoingFrame frame) => Enqueue([frame]);

    /// <summary>
    /// Queues frames that must stay together (a Socket.IO packet and its attachments). With a held
    /// <paramref name="route"/>, a frame that would go straight to the socket is written when the batch is flushed; a
    /// pumped one (one of many sends in a row: a broadcast, a heartbeat pass) hands it to the send pump if there is
    /// one. Otherwise the caller's thread writes it, the quickest way for a lone emit.
    /// </summary>
    internal bool Enqueue(ReadOnlySpan<OutgoingFrame> frames, SendRoute route = default)
    {
        var batch = route.Batch;
        var pumped = route.IsPumped;
        TaskCompletionSource? wake = null;
        var startDrain = false;
        var overflow = false;
        OutgoingFrame? direct = null;

        // The pump writes only frames of connections it can write itself (ConnectionStream), frames with their wire
        // form among them; a batch is never passed with pumped.
        var pump = pumped && _frames is not null ? _server.Pump : null;
        for (var helped = 0; IsOnlyWaitingForPump(frames.Length) && helped < MaxPumpHelps; helped++)
        {
            // Full because the pump is behind, not the client: this caller waits for it and helps, as a synchronous
            // write would have held it back, rather than close a client that reads all it is sent.
            if (!_server.Pump!.TryHelp()) break;
        }

        lock (_queue)
        {
            if (_state != SessionState.Open) return false;
            if (_queue.Count + frames.Length > _server.Options.SendQueueCapacity)
            {
                overflow = true;
            }
            else if (_transport == TransportKind.WebSocket && !_draining && _queue.Count == 0 && frames.Length == 1)
            {
                // The usual case on WebSocket: nothing waits, so the frame goes straight to the socket (or to the
                // pump) and the queue never grows an array for a client that keeps up.
                _draining = startDrain = true;
                if (pump is not null && !frames[0].Wire.IsEmpty)
                {
                    _pumped = frames[0];
                }
                else
                {
                    direct = frames[0];
                    pump = null;
                }
            }
            else
            {
                // An answer to the client's packet that must wait keeps a write of its own (see Answering).
                var alone = _answering && !pumped && batch is null;
                foreach (var f in frames) _queue.Enqueue(alone ? f with { Alone = true } : f);
                if (_transport == TransportKind.WebSocket && !_draining)
                {
                    _draining = startDrain = true;
                }
                else if (_pendingPoll is not null)
                {
                    wake = _pendingPoll;
                    _pendingPoll = null;
                }
            }
        }

        if (overflow)
        {
            _server.LogSendQueueFull(this);
            Terminate(EngineCloseReason.SendQueueFull);
            return false;
        }

        wake?.TrySetResult();
        if (!startDrain) return true;

        // Deferred, the frame keeps this session's drain flag until the batch (or the pump) writes it
        // (OnDeferredWrite), so whatever is sent meanwhile queues behind it.
        if (batch is not null && direct is { Wire.IsEmpty: false } d && _frames is { } stream && batch.TryAdd(this, stream, d.Wire)) return true;
        if (pump is not null)
        {
            pump.Schedule(this);
            return true;
        }

        _ = DrainWebSocketAsync(direct);
        return true;
    }

    /// <summary>
    /// Whether a writer (a drain, the pump, a batch) still holds this session's frames. It lets go only after its last
    /// write returns, so a client can have read that write already.
    /// </summary>
    internal bool IsDraining
    {
        get
        {
            lock (_queue) return _draining;
        }
    }

    /// <summary>
    /// Whether <paramref name="adding"/> more frames would overflow the queue of a session whose connection still takes
    /// every write whole: its frames wait for the pump, not for the client.
    /// </summary>
    private bool IsOnlyWaitingForPump(int adding)
    {
        // The unlocked count is only a hint that keeps the usual case to one field read; the lock decides.
        if (_queue.Count + adding <= _server.Options.SendQueueCapacity || _server.Pump is null || _frames is not { IsDirect: true }) return false;
        lock (_queue) return _state == SessionState.Open && _draining && _queue.Count + adding > _server.Options.SendQueueCapacity;
    }

    /// <summary>
    /// The pump's turn for this session (which holds the drain flag): what waits leaves in one write of
    /// <paramref name="batch"/>, at most <see cref="MaxPumpedBytes"/> of frames copied together; a session that
    /// cannot be written that way (a binary frame next, sends gone to Kestrel's pipe, no batch) drains by itself.
    /// </summary>
    internal void Pump(SendBatch? batch)
    {
        try
        {
            PumpCore(batch);
        }
        catch (Exception ex) when (IsSendFailure(ex))
        {
            Terminate(EngineCloseReason.TransportError);
        }
    }

    private void PumpCore(SendBatch? batch)
    {
        OutgoingFrame head;
        ReadOnlyMemory<byte> wire;
        int fromQueue;
        lock (_queue)
        {
            if (_state == SessionState.Closed)
            {
                _pumped = default;
                _draining = false;
                return;
            }

            head = _pumped;
            _pumped = default;
            (wire, fromQueue) = batch is null ? (default, 0) : GatherLocked(head.Wire, batch);
            if (head.Wire.IsEmpty && _queue.Count == 0 && _state != SessionState.Closing)
            {
                // Nothing left: the drain flag goes (a close that waits for the queue goes on below).
                _draining = false;
                return;
            }
        }

        // The batch is not flushed here (the pump flushes it between sessions), so the frames taken stay queued
        // until they are dequeued below, with no write result in between that could look at the queue.
        if (!wire.IsEmpty && _frames is { } stream && batch!.TryAdd(this, stream, wire, flushWhenFull: false))
        {
            if (fromQueue > 0)
            {
                lock (_queue)
                {
                    for (var i = 0; i < fromQueue && _queue.TryDequeue(out _); i++)
                    {
                    }
                }
            }

            _server.Pump!.Counted(fromQueue + (head.Wire.IsEmpty ? 0 : 1));
            return;
        }

        _ = DrainWebSocketAsync(head.Wire.IsEmpty ? null : head);
    }

    /// <summary>
    /// The bytes of the next write: <paramref name="head"/> and the queued frames behind it that have their wire
    /// form, up to <see cref="MaxPumpedBytes"/> (a single frame goes as it is, however long) and up to the next frame
    /// that goes alone (<see cref="OutgoingFrame.Alone"/>, written by itself); several are copied
    /// into <paramref name="batch"/>'s gather arena. Returns how many came from the queue.
    /// </summary>
    private (ReadOnlyMemory<byte> Wire, int FromQueue) GatherLocked(ReadOnlyMemory<byte> head, SendBatch batch)
    {
        var length = head.Length;
        var count = head.IsEmpty ? 0 : 1;
        var single = head;
        var fromQueue = 0;
        if (_queue.Count == 0) return (head, 0);
        foreach (var frame in _queue)
        {
            if (frame.Wire.IsEmpty || (count > 0 && (frame.Alone || length + frame.Wire.Length > MaxPumpedBytes))) break;
            if (count == 0) single = frame.Wire;
            length += frame.Wire.Length;
            count++;
            fromQueue++;

            // An answer goes by itself (see Answering): the frames behind it wait for the next write.
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

        var copied = 0;
        foreach (var frame in _queue)
        {
            if (copied == fromQueue) break;
            frame.Wire.Span.CopyTo(gathered.Span[offset..]);
            offset += frame.Wire.Length;
            copied++;
        }

        return (gathered, fromQueue);
    }

    /// <summary>The batch wrote (or failed to write) this session's deferred frame: drain what queued behind it.</summary>
    internal void OnDeferredWrite(ValueTask written)
    {
        if (!written.IsCompletedSuccessfully)
        {
            _ = DrainAfterAsync(written);
        }
        else if (_server.Pump is { } pump)
        {
            // What queued meanwhile goes in the pump's next write; with nothing queued the drain flag goes here
            // (a close that waited for the queue goes on from DrainWebSocketAsync).
            lock (_queue)
            {
                if (_queue.Count == 0 && _state != SessionState.Closing)
                {
                    _draining = false;
                    return;
                }
            }

            pump.Schedule(this);
        }
        else
        {
            _ = DrainWebSocketAsync();
        }
    }

    private async Task DrainAfterAsync(ValueTask written)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsSendFailure(ex))
        {
            Terminate(EngineCloseReason.TransportError);
            return;
        }

        await DrainWebSocketAsync().ConfigureAwait(false);
    }

    /// <summary>How a write to the connection or the WebSocket fails when the transport is gone.</summary>
    private static bool IsSendFailure(Exception ex) =>
        ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;

    /// <summary>
    /// Writes <paramref name="first"/>, then queued frames, to the WebSocket until the queue is empty. Runs inline
    /// while sends complete synchronously.
    /// </summary>
    private async Task DrainWebSocketAsync(OutgoingFrame? first = null)
    {
        var socket = _webSocket!;
        var frames = _frames;
        var next = first;
        while (true)
        {
            OutgoingFrame frame;
            if (next is { } pending)
            {
                frame = pending;
                next = null;
            }
            else
            {
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out frame))
                    {
                        _draining = false;
                        if (_state == SessionState.Closing) break;
                        return;
                    }
                }
            }

            try
            {
                // A frame built with its header goes to the connection as it is: no copy into the WebSocket's buffer.
                if (frames is not null && !frame.Wire.IsEmpty && frames.TryWriteFrame(frame.Wire, out var written))
                {
                    await written.ConfigureAwait(false);
                }
                else
                {
                    await socket.SendAsync(frame.Payload, frame.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (IsSendFailure(ex))
            {
                Terminate(EngineCloseReason.TransportError);
                return;
            }
        }

        await WebSocketTransport.CloseQuietlyAsync(socket).ConfigureAwait(false);
        Terminate(_closingReason);
    }

    /// <summary>Server-initiated close: flush what is queued, then close the transport.</summary>
    internal void BeginGracefulClose(EngineCloseReason reason)
    {
        TaskCompletionSource? wake = null;
        var closeNow = false;
        lock (_queue)
        {
            if (_state != SessionState.Open) return;
            _state = SessionState.Closing;
            _closingReason = reason;
            ClosingDeadline = _server.Now + _server.PingTimeoutTicks;
            if (_transport == TransportKind.Polling)
            {
                _queue.Enqueue(OutgoingFrame.CloseFrame);
                wake = _pendingPoll;
                _pendingPoll = null;
            }
            else if (!_draining)
            {
                _draining = closeNow = true;
            }
        }

        wake?.TrySetResult();
        if (closeNow) _ = DrainWebSocketAsync();
    }

    /// <summary>Ends the session at once. Idempotent; the handler hears of it exactly once.</summary>
    internal void Terminate(EngineCloseReason reason)
    {
        TaskCompletionSource? wake;
        WebSocket? socket;
        lock (_queue)
        {
            if (_state == SessionState.Closed) return;
            _state = SessionState.Closed;
            wake = _pendingPoll;
            _pendingPoll = null;
            socket = _webSocket;
            _queue.Clear();
        }

        wake?.TrySetResult();
        if (socket is not null) _ = WebSocketTransport.CloseQuietlyAsync(socket);
        _server.OnSessionClosed(this, reason);
    }

    internal void OnPong()
    {
        PongDeadline = 0;
        PingDueAt = _server.Now + _server.PingIntervalTicks;
    }

    /// <summary>Called by the heartbeat sweep: does what is due at <paramref name="now"/>; returns when this session next needs the sweep.</summary>
    internal long OnHeartbeat(long now, in FanOut pass)
    {
        var state = _state;
        if (state == SessionState.Closed) return long.MaxValue;
        if (state == SessionState.Closing)
        {
            if (now < ClosingDeadline) return ClosingDeadline;
            Terminate(_closingReason);
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
            PongDeadline = now + _server.PingTimeoutTicks;
            PingDueAt = long.MaxValue;
            pass.Send(this, [OutgoingFrame.Ping]);
        }

        var next = PongDeadline != 0 ? PongDeadline : PingDueAt;
        return _upgrade == UpgradeState.Probing ? Math.Min(next, UpgradeDeadline) : next;
    }

    private enum SessionState
    {
        Open,
        Closing,
        Closed,
    }

    private enum UpgradeState
    {
        None,
        Probing,
        Done,
    }

    private enum PollEnding
    {
        Normal,
        Noop,
        CloseFrame,
    }
}
