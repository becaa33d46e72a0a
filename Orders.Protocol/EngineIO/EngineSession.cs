using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Transports;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO session. It owns the outgoing queue; whichever transport is current drains it. Sends never
/// block: on WebSocket the caller's thread writes directly while the socket keeps up, and only a socket that
/// cannot keep up has packets waiting.
/// </summary>
public sealed class EngineSession
{
    private readonly Lock _gate = new();
    private readonly Queue<OutgoingFrame> _queue = new(0);
    private readonly EngineIOServer _server;
    private TransportKind _transport;
    private WebSocket? _webSocket;
    private bool _draining;
    private TaskCompletionSource? _pendingPoll;
    private bool _pollActive;
    private bool _postActive;
    private PollEnding _pollEnding;
    private UpgradeState _upgrade;
    private SessionState _state;
    private EngineCloseReason _closingReason = EngineCloseReason.ForcedClose;

    internal EngineSession(EngineIOServer server, string id, TransportKind transport, EngineHandshakeRequest request, long now)
    {
        _server = server;
        Id = id;
        _transport = transport;
        Request = request;
        PingDueAt = now + server.PingIntervalTicks;
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

    internal long PingDueAt { get; set; }

    internal long PongDeadline { get; set; }

    internal long UpgradeDeadline { get; set; }

    internal long ClosingDeadline { get; set; }

    internal bool IsUpgrading => _upgrade == UpgradeState.Probing;

    internal bool IsUpgraded => _upgrade == UpgradeState.Done;

    /// <summary>Queues a text message (an Engine.IO <c>4</c> packet whose payload is <paramref name="text"/>).</summary>
    public bool SendText(ReadOnlySpan<byte> text)
    {
        var frame = new byte[text.Length + 1];
        frame[0] = EnginePacketType.Message;
        text.CopyTo(frame.AsSpan(1));
        return Enqueue(OutgoingFrame.Text(frame));
    }

    /// <summary>Queues a binary message.</summary>
    public bool SendBinary(ReadOnlyMemory<byte> data) => Enqueue(OutgoingFrame.Binary(data));

    /// <summary>Closes the session from the server side after what is queued has been sent.</summary>
    public void Close() => BeginGracefulClose(EngineCloseReason.ForcedClose);

    internal bool Enqueue(OutgoingFrame frame) => Enqueue([frame]);

    /// <summary>Queues frames that must stay together (a Socket.IO packet and its attachments).</summary>
    internal bool Enqueue(ReadOnlySpan<OutgoingFrame> frames)
    {
        TaskCompletionSource? wake = null;
        var startDrain = false;
        var overflow = false;
        lock (_gate)
        {
            if (_state != SessionState.Open) return false;
            if (_queue.Count + frames.Length > _server.Options.SendQueueCapacity)
            {
                overflow = true;
            }
            else
            {
                foreach (var f in frames) _queue.Enqueue(f);
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
        if (startDrain) _ = DrainWebSocketAsync();
        return true;
    }

    /// <summary>Writes queued frames to the WebSocket until the queue is empty. Runs inline while sends complete synchronously.</summary>
    private async Task DrainWebSocketAsync()
    {
        var socket = _webSocket!;
        while (true)
        {
            OutgoingFrame frame;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out frame))
                {
                    _draining = false;
                    if (_state == SessionState.Closing) break;
                    return;
                }
            }

            try
            {
                await socket.SendAsync(frame.Payload, frame.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
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
        lock (_gate)
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
        lock (_gate)
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

    /// <summary>Called by the heartbeat sweep.</summary>
    internal void OnHeartbeat(long now)
    {
        var state = _state;
        if (state == SessionState.Closed) return;
        if (state == SessionState.Closing)
        {
            if (now >= ClosingDeadline) Terminate(_closingReason);
            return;
        }

        if (PongDeadline != 0 && now >= PongDeadline)
        {
            Terminate(EngineCloseReason.PingTimeout);
            return;
        }

        if (_upgrade == UpgradeState.Probing && now >= UpgradeDeadline) AbandonUpgrade();

        if (PongDeadline == 0 && now >= PingDueAt)
        {
            PongDeadline = now + _server.PingTimeoutTicks;
            PingDueAt = long.MaxValue;
            Enqueue(OutgoingFrame.Ping);
        }
    }

    // ----- long-polling -----

    /// <summary>Starts a GET. Returns null to wait, or the outcome when the request must be refused.</summary>
    internal PollStart BeginPoll(out Task? wait)
    {
        wait = null;
        TaskCompletionSource? first = null;
        lock (_gate)
        {
            if (_state == SessionState.Closed) return PollStart.UnknownSession;
            if (_transport != TransportKind.Polling) return PollStart.BadRequest;
            if (_pollActive)
            {
                first = _pendingPoll;
                _pendingPoll = null;
                _pollEnding = PollEnding.CloseFrame;
            }
            else
            {
                _pollActive = true;
                if (_queue.Count == 0 && _state == SessionState.Open && _upgrade != UpgradeState.Probing)
                {
                    _pendingPoll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _pendingPoll.Task;
                }

                return PollStart.Ready;
            }
        }

        // A second concurrent GET: the first one is answered with a close packet and the session ends.
        first?.TrySetResult();
        Terminate(EngineCloseReason.TransportError);
        return PollStart.Overlap;
    }

    /// <summary>Takes what a finished GET answers with.</summary>
    internal List<OutgoingFrame> EndPoll(out bool finished)
    {
        var frames = new List<OutgoingFrame>();
        finished = false;
        lock (_gate)
        {
            _pollActive = false;
            _pendingPoll = null;
            if (_pollEnding == PollEnding.CloseFrame)
            {
                frames.Add(OutgoingFrame.CloseFrame);
            }
            else if (_transport == TransportKind.WebSocket || _pollEnding == PollEnding.Noop)
            {
                // Upgraded or closed by the client: this GET only needs a clean end.
                frames.Add(OutgoingFrame.Noop);
            }
            else
            {
                while (_queue.TryDequeue(out var f)) frames.Add(f);
                if (frames.Count == 0) frames.Add(_state == SessionState.Closed ? OutgoingFrame.CloseFrame : OutgoingFrame.Noop);
                finished = _state == SessionState.Closing && frames[^1] == OutgoingFrame.CloseFrame;
            }
        }

        return frames;
    }

    internal void AbortPoll()
    {
        lock (_gate)
        {
            _pollActive = false;
            _pendingPoll = null;
        }

        Terminate(EngineCloseReason.TransportError);
    }

    internal bool TryBeginPost()
    {
        lock (_gate)
        {
            if (_postActive) return false;
            _postActive = true;
            return true;
        }
    }

    internal void EndPost()
    {
        lock (_gate) _postActive = false;
    }

    /// <summary>The client sent a close packet: a pending GET is released with a noop, then the session ends.</summary>
    internal void OnClientClose()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _pollEnding = PollEnding.Noop;
            wake = _pendingPoll;
            _pendingPoll = null;
        }

        wake?.TrySetResult();
        Terminate(EngineCloseReason.TransportClose);
    }

    // ----- upgrade -----

    internal bool TryBeginUpgrade()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_state != SessionState.Open || _transport != TransportKind.Polling || _upgrade != UpgradeState.None) return false;
            _upgrade = UpgradeState.Probing;
            UpgradeDeadline = _server.Now + _server.UpgradeTimeoutTicks;
            wake = _pendingPoll;
            _pendingPoll = null;
        }

        // The client pauses polling during the probe: release its pending GET (answered with a noop).
        wake?.TrySetResult();
        return true;
    }

    internal bool CompleteUpgrade(WebSocket socket)
    {
        TaskCompletionSource? wake;
        bool startDrain;
        lock (_gate)
        {
            if (_state != SessionState.Open || _upgrade != UpgradeState.Probing) return false;
            _upgrade = UpgradeState.Done;
            _transport = TransportKind.WebSocket;
            _webSocket = socket;
            wake = _pendingPoll;
            _pendingPoll = null;
            _pollEnding = PollEnding.Noop;
            startDrain = _queue.Count > 0 && !_draining;
            if (startDrain) _draining = true;
        }

        wake?.TrySetResult();
        _server.OnUpgraded(this);
        if (startDrain) _ = DrainWebSocketAsync();
        return true;
    }

    internal void AbandonUpgrade()
    {
        lock (_gate)
        {
            if (_upgrade == UpgradeState.Probing) _upgrade = UpgradeState.None;
        }
    }

    internal void AttachWebSocket(WebSocket socket)
    {
        lock (_gate) _webSocket = socket;
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

internal enum PollStart
{
    Ready,
    UnknownSession,
    BadRequest,
    Overlap,
}
