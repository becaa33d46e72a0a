using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Connections;
using Orders.Protocol.EngineIO.Transports;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO session. It owns the outgoing queue; whichever transport is current drains it. Sends never
/// block: on WebSocket the caller's thread writes directly while the socket keeps up, and only a socket that
/// cannot keep up has packets waiting.
/// </summary>
public sealed partial class EngineSession
{
    private readonly Lock _gate = new();

    // Created empty (the shared empty array): most sessions never have a frame wait.
    private readonly Queue<OutgoingFrame> _queue = new();
    private readonly EngineIOServer _server;
    private TransportKind _transport;
    private WebSocket? _webSocket;
    private ConnectionStream? _frames;
    private bool _draining;
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

    // Setting a deadline tells the heartbeat sweep, which skips its passes until the earliest one. The pong
    // deadline needs no note: only the sweep sets it, and the pass returns it (OnHeartbeat).
    internal long PingDueAt
    {
        get => _pingDueAt;
        set => _server.NoteDue(_pingDueAt = value);
    }

    internal long PongDeadline { get; set; }

    internal long UpgradeDeadline
    {
        get => _upgradeDeadline;
        set => _server.NoteDue(_upgradeDeadline = value);
    }

    internal long ClosingDeadline
    {
        get => _closingDeadline;
        set => _server.NoteDue(_closingDeadline = value);
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
    /// Queues frames that must stay together (a Socket.IO packet and its attachments). With a
    /// <paramref name="batch"/>, a frame that would go straight to the socket is written when the batch is flushed.
    /// </summary>
    internal bool Enqueue(ReadOnlySpan<OutgoingFrame> frames, SendBatch? batch = null)
    {
        TaskCompletionSource? wake = null;
        var startDrain = false;
        var overflow = false;
        OutgoingFrame? direct = null;
        lock (_gate)
        {
            if (_state != SessionState.Open) return false;
            if (_queue.Count + frames.Length > _server.Options.SendQueueCapacity)
            {
                overflow = true;
            }
            else if (_transport == TransportKind.WebSocket && !_draining && _queue.Count == 0 && frames.Length == 1)
            {
                // The usual case on WebSocket: nothing waits, so the frame goes straight to the socket and the
                // queue never grows an array for a client that keeps up.
                _draining = startDrain = true;
                direct = frames[0];
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
        if (!startDrain) return true;

        // Deferred, the frame keeps this session's drain flag until the batch writes it (OnDeferredWrite), so
        // whatever is sent meanwhile queues behind it.
        if (batch is null || direct is not { Wire.IsEmpty: false } d || _frames is not { } stream || !batch.TryAdd(this, stream, d.Wire))
        {
            _ = DrainWebSocketAsync(direct);
        }

        return true;
    }

    /// <summary>The batch wrote (or failed to write) this session's deferred frame: drain what queued behind it.</summary>
    internal void OnDeferredWrite(ValueTask written)
    {
        if (written.IsCompletedSuccessfully)
        {
            _ = DrainWebSocketAsync();
        }
        else
        {
            _ = DrainAfterAsync(written);
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
                lock (_gate)
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

    /// <summary>Called by the heartbeat sweep: does what is due at <paramref name="now"/>; returns when this session next needs the sweep.</summary>
    internal long OnHeartbeat(long now, SendBatch? batch = null)
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
            Enqueue([OutgoingFrame.Ping], batch);
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
