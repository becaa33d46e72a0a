using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Transports.Polling;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO.Sending;

// Over 300 lines on purpose: everything here runs under one lock (this object) and shares the drain flag, so the
// six places that take or drop it stay side by side. Split across types they would each need the lock passed in.

/// <summary>
/// One session's outgoing side: its queue, its drain state and the choice of each write (direct, batched, pumped),
/// and the transport that drains the queue (the WebSocket, or the long-polling GETs). Senders hand it frames and
/// never reach past it. It is also the session's lock (never exposed beyond the session): a lock object of its own
/// would be one more object and cache line per session, touched by every send of a fan-out, and kept through every
/// collection for each of thousands of idle sockets. No lock is held across a write, the batch or the pump.
/// <para>
/// How bytes reach the socket when it does not take them whole (Kestrel's pipe, or async sends on an owned socket)
/// stays inside <see cref="ConnectionStream"/>: both writers of the connection, the WebSocket's control frames and
/// this one, must go through its one lock.
/// </para>
/// </summary>
internal sealed class SessionWriter
{
    // Turns an emitter runs for a session that is full only because the pump is behind (each writes up to
    // FrameQueue.MaxPumpedBytes of it); a queue still full after them is the client's doing after all.
    private const int MaxPumpHelps = 256;

    // Inline, with no array until a frame waits: most sessions never have one wait.
    private FrameQueue _queue;
    private readonly EngineSession _session;
    private TransportKind _transport;
    private WebSocket? _webSocket;
    private ConnectionStream? _stream;
    private bool _draining;
    private bool _answering;

    // The frame handed to the pump with the drain flag: frames sent meanwhile queue behind it.
    private OutgoingFrame _pumped;
    private TaskCompletionSource? _pendingPoll;
    private bool _pollActive;
    private PollEnding _pollEnding;
    private SessionState _state;
    private EngineCloseReason _closingReason = EngineCloseReason.ForcedClose;

    internal SessionWriter(EngineSession session, EngineIOServer server, TransportKind transport)
    {
        _session = session;
        Server = server;
        _transport = transport;
    }

    internal EngineIOServer Server { get; }

    internal TransportKind Transport => _transport;

    /// <summary>Read without the lock: a single field's value, as the heartbeat pass and the send paths need it.</summary>
    internal SessionState State => _state;

    internal EngineCloseReason ClosingReason => _closingReason;

    /// <summary>See <see cref="EngineSession.Answering"/>.</summary>
    internal bool Answering
    {
        get => Volatile.Read(ref _answering);
        set => _answering = value;
    }

    /// <summary>
    /// Queues frames that must stay together (a Socket.IO packet and its attachments). With a held
    /// <paramref name="route"/>, a frame that would go straight to the socket is written when the batch is flushed; a
    /// pumped one (one of many sends in a row: a broadcast, a heartbeat pass) hands it to the send pump if there is
    /// one. Otherwise the caller's thread writes it, the quickest way for a lone emit.
    /// </summary>
    internal bool Enqueue(ReadOnlySpan<OutgoingFrame> frames, SendRoute route)
    {
        var batch = route.Batch;
        var pumped = route.IsPumped;
        TaskCompletionSource? wake = null;
        var startDrain = false;
        var overflow = false;
        OutgoingFrame? direct = null;

        // The pump writes only frames of connections it can write itself (ConnectionStream), frames with their wire
        // form among them; a batch is never passed with pumped.
        var pump = pumped && _stream is not null ? Server.Pump : null;
        for (var helped = 0; IsOnlyWaitingForPump(frames.Length) && helped < MaxPumpHelps; helped++)
        {
            // Full because the pump is behind, not the client: this caller waits for it and helps, as a synchronous
            // write would have held it back, rather than close a client that reads all it is sent.
            if (!Server.Pump!.TryHelp()) break;
        }

        lock (this)
        {
            if (_state != SessionState.Open) return false;
            if (_queue.Count + frames.Length > Server.Options.SendQueueCapacity)
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
                    // Checked first: a WebSocket send that queues (the hot case here) then writes no field it need not.
                    wake = TakePendingPollLocked();
                }
            }
        }

        if (overflow)
        {
            Server.LogSendQueueFull(_session);
            _session.Terminate(EngineCloseReason.SendQueueFull);
            return false;
        }

        wake?.TrySetResult();
        if (!startDrain) return true;

        // Deferred, the frame keeps this session's drain flag until the batch (or the pump) writes it
        // (OnBatchWritten), so whatever is sent meanwhile queues behind it.
        if (batch is not null && direct is { Wire.IsEmpty: false } d && _stream is { } stream && TryAddTo(batch, stream, d.Wire, flushWhenFull: true)) return true;
        if (pump is not null)
        {
            pump.Schedule(this);
            return true;
        }

        _ = DrainAsync(direct);
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
            lock (this) return _draining;
        }
    }

    /// <summary>
    /// Whether <paramref name="adding"/> more frames would overflow the queue of a session whose connection still takes
    /// every write whole: its frames wait for the pump, not for the client.
    /// </summary>
    private bool IsOnlyWaitingForPump(int adding)
    {
        // The unlocked count is only a hint that keeps the usual case to one field read; the lock decides.
        if (_queue.Count + adding <= Server.Options.SendQueueCapacity || Server.Pump is null || _stream is not { IsDirect: true }) return false;
        lock (this) return _state == SessionState.Open && _draining && _queue.Count + adding > Server.Options.SendQueueCapacity;
    }

    // The batch takes the frame only if the connection can be reserved for it (ConnectionStream.TryDefer); the
    // reservation is asked for last, as it holds the WebSocket's own writes until the batch writes this frame.
    private bool TryAddTo(SendBatch batch, ConnectionStream stream, ReadOnlyMemory<byte> wire, bool flushWhenFull)
    {
        if (!batch.HasRoomFor(wire) || !stream.TryDefer(out var socket)) return false;
        batch.Add(this, socket, wire, flushWhenFull);
        return true;
    }

    /// <summary>
    /// The pump's turn for this session (which holds the drain flag): what waits leaves in one write of
    /// <paramref name="batch"/>, at most <see cref="FrameQueue.MaxPumpedBytes"/> of frames copied together; a session that
    /// cannot be written that way (a binary frame next, sends gone to Kestrel's pipe, no batch) drains by itself.
    /// Only <see cref="SendPump"/> calls it.
    /// </summary>
    internal void RunPumpTurn(SendBatch? batch)
    {
        try
        {
            PumpCore(batch);
        }
        catch (Exception ex) when (IsSendFailure(ex))
        {
            _session.Terminate(EngineCloseReason.TransportError);
        }
    }

    private void PumpCore(SendBatch? batch)
    {
        OutgoingFrame head;
        ReadOnlyMemory<byte> wire;
        int fromQueue;
        lock (this)
        {
            if (_state == SessionState.Closed)
            {
                _pumped = default;
                _draining = false;
                return;
            }

            head = _pumped;
            _pumped = default;
            (wire, fromQueue) = batch is null ? (default, 0) : _queue.Gather(head.Wire, batch);
            if (head.Wire.IsEmpty && _queue.Count == 0 && _state != SessionState.Closing)
            {
                // Nothing left: the drain flag goes (a close that waits for the queue goes on below).
                _draining = false;
                return;
            }
        }

        // The batch is not flushed here (the pump flushes it between sessions), so the frames taken stay queued
        // until they are dequeued below, with no write result in between that could look at the queue.
        if (!wire.IsEmpty && _stream is { } stream && TryAddTo(batch!, stream, wire, flushWhenFull: false))
        {
            if (fromQueue > 0)
            {
                lock (this)
                {
                    for (var i = 0; i < fromQueue && _queue.TryDequeue(out _); i++)
                    {
                    }
                }
            }

            Server.Pump!.Counted(fromQueue + (head.Wire.IsEmpty ? 0 : 1));
            return;
        }

        _ = DrainAsync(head.Wire.IsEmpty ? null : head);
    }

    /// <summary>
    /// The batch wrote (or failed to write) this session's deferred <paramref name="frame"/>: the connection finishes
    /// it (the rest of a short write by the slow path) and lets the WebSocket's held writes go, then what queued
    /// behind it is drained. Only <see cref="SendBatch"/> calls it.
    /// </summary>
    internal void OnBatchWritten(ReadOnlyMemory<byte> frame, int result)
    {
        var written = _stream!.CompleteDeferred(frame, result);
        if (!written.IsCompletedSuccessfully)
        {
            _ = DrainAfterAsync(written);
        }
        else if (Server.Pump is { } pump)
        {
            // What queued meanwhile goes in the pump's next write; with nothing queued the drain flag goes here
            // (a close that waited for the queue goes on from DrainAsync).
            lock (this)
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
            _ = DrainAsync();
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
            _session.Terminate(EngineCloseReason.TransportError);
            return;
        }

        await DrainAsync().ConfigureAwait(false);
    }

    /// <summary>How a write to the connection or the WebSocket fails when the transport is gone.</summary>
    private static bool IsSendFailure(Exception ex) =>
        ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;

    /// <summary>
    /// Writes <paramref name="first"/>, then queued frames, to the WebSocket until the queue is empty. Runs inline
    /// while sends complete synchronously.
    /// </summary>
    private async Task DrainAsync(OutgoingFrame? first = null)
    {
        var socket = _webSocket!;
        var frames = _stream;
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
                lock (this)
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
                _session.Terminate(EngineCloseReason.TransportError);
                return;
            }
        }

        await WebSocketTransport.CloseQuietlyAsync(socket).ConfigureAwait(false);
        _session.Terminate(_closingReason);
    }

    /// <summary><paramref name="stream"/>: the connection under <paramref name="socket"/>, when prebuilt frames may be written to it.</summary>
    internal void AttachWebSocket(WebSocket socket, ConnectionStream? stream)
    {
        lock (this)
        {
            _webSocket = socket;
            _stream = stream;
        }
    }

    /// <summary>
    /// The locked half of an upgrade's completion (the caller holds this lock and has checked the session is open):
    /// the queue's transport becomes the WebSocket. Returns whether a drain must start (<see cref="StartDrain"/>); the
    /// drain flag is taken for it here.
    /// </summary>
    internal bool SwitchToWebSocketLocked(WebSocket socket, ConnectionStream? stream, out TaskCompletionSource? wake)
    {
        _transport = TransportKind.WebSocket;
        _webSocket = socket;
        _stream = stream;
        wake = TakePendingPollLocked();
        _pollEnding = PollEnding.Noop;
        var startDrain = _queue.Count > 0 && !_draining;
        if (startDrain) _draining = true;
        return startDrain;
    }

    /// <summary>Drains what queued, for a caller that took the drain flag (<see cref="SwitchToWebSocketLocked"/>).</summary>
    internal void StartDrain() => _ = DrainAsync();

    /// <summary>Takes the waiting GET, if any, for the caller to release once out of this lock (which it holds).</summary>
    internal TaskCompletionSource? TakePendingPollLocked()
    {
        var wake = _pendingPoll;
        _pendingPoll = null;
        return wake;
    }

    /// <summary>Starts a GET. Returns null to wait, or the outcome when the request must be refused.</summary>
    internal PollStart BeginPoll(out Task? wait)
    {
        wait = null;
        TaskCompletionSource? first = null;
        lock (this)
        {
            if (_state == SessionState.Closed) return PollStart.UnknownSession;
            if (_transport != TransportKind.Polling) return PollStart.BadRequest;
            if (_pollActive)
            {
                first = TakePendingPollLocked();
                _pollEnding = PollEnding.CloseFrame;
            }
            else
            {
                _pollActive = true;
                if (_queue.Count == 0 && _state == SessionState.Open && !_session.IsUpgrading)
                {
                    _pendingPoll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _pendingPoll.Task;
                }

                return PollStart.Ready;
            }
        }

        // A second concurrent GET: the first one is answered with a close packet and the session ends.
        first?.TrySetResult();
        _session.Terminate(EngineCloseReason.TransportError);
        return PollStart.Overlap;
    }

    /// <summary>Takes what a finished GET answers with.</summary>
    internal List<OutgoingFrame> EndPoll(out bool finished)
    {
        var frames = new List<OutgoingFrame>();
        finished = false;
        lock (this)
        {
            _pollActive = false;
            _pendingPoll = null;
            if (_pollEnding == PollEnding.CloseFrame)
            {
                frames.Add(OutgoingFrame.CloseFrame);
            }
            else if (_transport == TransportKind.WebSocket || _pollEnding == PollEnding.Noop
                || (_session.IsUpgrading && _state == SessionState.Open))
            {
                // Upgraded or closed by the client: this GET only needs a clean end. During the probe too: what queues
                // then goes over the WebSocket once switched (or in the next GET if the upgrade is abandoned). The
                // client's last GET before it switches ends its pause, and a client that closes while upgrading
                // (engine.close() waits for the upgrade) closes in that same turn; socket.io-client hands packets
                // to the socket a tick later, so an event in that GET would reach it disconnected, be buffered, and be
                // handed out after its next connect, beside the recovery's replay of it.
                frames.Add(OutgoingFrame.Noop);
            }
            else
            {
                // A closing session's last messages and its close packet go in separate responses, as Node's engine.io
                // sends them: socket.io-client hands events to its listeners a tick later but acts on a close packet at
                // once, so in one payload the events would come after its disconnect (buffered until it reconnects,
                // where recovery replays them too).
                while (_queue.TryPeek(out var f) && !(frames.Count > 0 && f == OutgoingFrame.CloseFrame))
                {
                    _queue.TryDequeue(out f);
                    frames.Add(f);
                }

                if (frames.Count == 0) frames.Add(_state == SessionState.Closed ? OutgoingFrame.CloseFrame : OutgoingFrame.Noop);
                finished = _state == SessionState.Closing && frames[^1] == OutgoingFrame.CloseFrame;
            }
        }

        return frames;
    }

    /// <summary>The GET failed: the poll is over (the caller then ends the session).</summary>
    internal void AbortPoll()
    {
        lock (this)
        {
            _pollActive = false;
            _pendingPoll = null;
        }
    }

    /// <summary>The client sent a close packet: a pending GET is released with a noop (the caller then ends the session).</summary>
    internal void ReleasePollForClientClose()
    {
        TaskCompletionSource? wake;
        lock (this)
        {
            _pollEnding = PollEnding.Noop;
            wake = TakePendingPollLocked();
        }

        wake?.TrySetResult();
    }

    /// <summary>Server-initiated close: flush what is queued, then close the transport.</summary>
    internal void BeginClose(EngineCloseReason reason)
    {
        TaskCompletionSource? wake = null;
        var closeNow = false;
        lock (this)
        {
            if (_state != SessionState.Open) return;
            _state = SessionState.Closing;
            _closingReason = reason;
            _session.ClosingDeadline = Server.Now + Server.PingTimeoutTicks;
            if (_transport == TransportKind.Polling)
            {
                _queue.Enqueue(OutgoingFrame.CloseFrame);
                wake = TakePendingPollLocked();
            }
            else if (!_draining)
            {
                _draining = closeNow = true;
            }
        }

        wake?.TrySetResult();
        if (closeNow) _ = DrainAsync();
    }

    /// <summary>Ends the session's sending at once; true the first time only (the caller then tells the server).</summary>
    internal bool Close()
    {
        TaskCompletionSource? wake;
        WebSocket? socket;
        lock (this)
        {
            if (_state == SessionState.Closed) return false;
            _state = SessionState.Closed;
            wake = TakePendingPollLocked();
            socket = _webSocket;
            _queue.Clear();
        }

        wake?.TrySetResult();
        if (socket is not null) _ = WebSocketTransport.CloseQuietlyAsync(socket);
        return true;
    }

    // Byte-sized, as PollEnding: the writer then fits the bytes a session had before it became two objects.
    internal enum SessionState : byte
    {
        Open,
        Closing,
        Closed,
    }

    private enum PollEnding : byte
    {
        Normal,
        Noop,
        CloseFrame,
    }
}
