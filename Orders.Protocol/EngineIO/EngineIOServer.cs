using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO.Limits;
using Orders.Protocol.EngineIO.Sending;
using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO endpoint: verifies requests like the reference server, owns the session map and the heartbeat
/// sweep, and feeds packets to the <see cref="IEngineIOHandler"/>.
/// </summary>
internal sealed partial class EngineIOServer : IDisposable
{
    private readonly ConcurrentDictionary<string, EngineSession> _sessions = new(StringComparer.Ordinal);
    private readonly IEngineIOHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProtocolMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly EngineWrites _writes;
    private readonly SessionAdmission _admission;
    private readonly byte[] _pollingHandshakeTail;
    private readonly byte[] _webSocketHandshakeTail;
    private readonly long _firstPingSpreadTicks;

    // Sessions by their next heartbeat deadline: a sweep pass visits only those whose slot has come, where it
    // visited every session (about 200 ns each: 4% of a core at 19k sessions whose deadlines are spread out).
    private readonly HeartbeatWheel<EngineSession> _wheel;

    // Fine-grained so that sessions opened together are not all pinged in one burst: with one pass a second, the 5k
    // sessions of a connect burst got their pings in the same pass, 5k sends in a row that held a broadcast running
    // at the same time for ~40 ms (its time to the last recipient doubled). At most 100 ms, a pass pings a tenth of
    // such a burst.
    private readonly TimeSpan _sweepResolution;

    // writes: how the WebSocket writes are made (the heartbeat sweep's pings among them); null writes each at once.
    public EngineIOServer(EngineIOOptions options, IEngineIOHandler handler, TimeProvider time, ILogger logger, ProtocolMetrics metrics, EngineWrites? writes = null)
    {
        _writes = writes ?? new EngineWrites(batchSends: false, coalesceSends: false);
        Options = options;
        _handler = handler;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _admission = new SessionAdmission(options.Limits);
        PingIntervalTicks = ToTicks(options.PingInterval);
        _firstPingSpreadTicks = (long)(PingIntervalTicks * options.PingJitter);
        PingTimeoutTicks = ToTicks(options.PingTimeout);
        UpgradeTimeoutTicks = ToTicks(options.UpgradeTimeout);
        _sweepResolution = TimeSpan.FromTicks(Math.Clamp(
            Math.Min(options.PingInterval.Ticks, options.PingTimeout.Ticks) / 200,
            TimeSpan.FromMilliseconds(10).Ticks,
            TimeSpan.FromMilliseconds(100).Ticks));
        _wheel = new HeartbeatWheel<EngineSession>(ToTicks(_sweepResolution), Math.Max(PingIntervalTicks, Math.Max(PingTimeoutTicks, UpgradeTimeoutTicks)), Now);
        var allowUpgrade = options.AllowUpgrades && options.Transports.Contains(TransportNames.WebSocket);
        _pollingHandshakeTail = HandshakeTail(allowUpgrade ? [TransportNames.WebSocket] : []);
        _webSocketHandshakeTail = HandshakeTail([]);
        _ = SweepAsync();
    }

    public EngineIOOptions Options { get; }

    /// <summary>The pump that makes the WebSocket writes of sessions served at the connection, or null (each writes its own).</summary>
    internal SendPump? Pump => _writes.Pump;

    public long PingIntervalTicks { get; }

    /// <summary>When a new session's first ping falls due: within the last <see cref="EngineIOOptions.PingJitter"/> of the interval, at random.</summary>
    public long NextFirstPingDelayTicks() =>
        _firstPingSpreadTicks == 0 ? PingIntervalTicks : PingIntervalTicks - Random.Shared.NextInt64(_firstPingSpreadTicks + 1);

    public long PingTimeoutTicks { get; }

    public long UpgradeTimeoutTicks { get; }

    public long Now => _time.GetTimestamp();

    public int SessionCount => _sessions.Count;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (_stopping.IsCancellationRequested)
        {
            // Kestrel keeps accepting for a moment after the host starts stopping; new sessions would outlive it.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        EngineCors.Apply(context, Options.CorsOrigins);
        if (HttpMethods.IsOptions(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var query = request.Query;
        var transport = query["transport"];
        if (QueryRefusal(transport, query["EIO"]) is { } refusal)
        {
            await RefuseAsync(context, refusal).ConfigureAwait(false);
            return;
        }

        var isWebSocket = transport == TransportNames.WebSocket;
        var sid = query["sid"].ToString();
        if (sid.Length == 0 && _refusing)
        {
            // Stopping: a new client is better served by another node; the sessions open here are being closed.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        if (sid.Length == 0)
        {
            if (!HttpMethods.IsGet(request.Method))
            {
                await RefuseAsync(context, EngineError.BadHandshakeMethod).ConfigureAwait(false);
                return;
            }

            var admission = await AdmitAsync(context).ConfigureAwait(false);
            if (!admission.IsAdmitted) return;
            if (isWebSocket) await OpenWebSocketAsync(context, admission).ConfigureAwait(false);
            else await OpenPollingAsync(context, admission).ConfigureAwait(false);
            return;
        }

        if (!_sessions.TryGetValue(sid, out var session))
        {
            await RefuseAsync(context, EngineError.UnknownSid).ConfigureAwait(false);
            return;
        }

        if (isWebSocket)
        {
            await UpgradeAsync(context, session).ConfigureAwait(false);
        }
        else if (session.TransportKind != TransportKind.Polling)
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
        }
        else if (HttpMethods.IsGet(request.Method))
        {
            await PollAsync(context, session).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(request.Method))
        {
            await PostAsync(context, session).ConfigureAwait(false);
        }
        else
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
        }
    }

    // ----- handshakes -----

    private async Task OpenPollingAsync(HttpContext context, Admission admission)
    {
        var session = CreateSession(new EngineHandshakeRequest(context.Request, _time.GetUtcNow()), TransportKind.Polling, admission.Permit);
        context.Response.ContentType = PollingTransport.ContentType;
        await context.Response.Body.WriteAsync(OpenPacket(session, _pollingHandshakeTail).Payload).ConfigureAwait(false);
        _handler.OnOpen(session);
    }

    private async Task OpenWebSocketAsync(HttpContext context, Admission admission)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            admission.Release();
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            return;
        }

        WebSocket socket;
        try
        {
            socket = await AcceptAsync(context).ConfigureAwait(false);
        }
        catch
        {
            admission.Release();
            throw;
        }

        using (socket)
        {
            await RunWebSocketSessionAsync(new EngineHandshakeRequest(context.Request, _time.GetUtcNow()), socket, admission.Permit).ConfigureAwait(false);
        }
    }

    /// <summary>A session opened directly on a WebSocket that Kestrel's HTTP pipeline accepted.</summary>
    private Task RunWebSocketSessionAsync(EngineHandshakeRequest request, WebSocket socket, IDisposable? permit)
    {
        var session = CreateSession(request, TransportKind.WebSocket, permit);
        session.AttachWebSocket(socket);
        session.Enqueue(OpenPacket(session, _webSocketHandshakeTail));
        _handler.OnOpen(session);
        return ReceiveLoopAsync(session, socket);
    }

    /// <summary><paramref name="permit"/>: the address's session permit (see <see cref="SessionAdmission"/>), given back when the session closes.</summary>
    private EngineSession CreateSession(EngineHandshakeRequest request, TransportKind transport, IDisposable? permit)
    {
        var session = new EngineSession(this, SessionIdGenerator.NewId(), transport, request, Now) { AddressPermit = permit };
        _sessions[session.Id] = session;
        if (_stopping.IsCancellationRequested || _refusing) session.Terminate(EngineCloseReason.ServerShuttingDown);
        _metrics.SessionOpened(transport.ToName());
        Log.SessionOpened(_logger, session.Id, transport.ToName(), request.RemoteAddress);
        return session;
    }

    private static OutgoingFrame OpenPacket(EngineSession session, byte[] tail)
    {
        // 0{"sid":"…", + the options part, which is the same for every session of this endpoint.
        var head = "0{\"sid\":\""u8;
        var frame = OutgoingFrame.AllocateText(head.Length + session.Id.Length + tail.Length, out var packet);
        head.CopyTo(packet);
        var sid = System.Text.Encoding.ASCII.GetBytes(session.Id, packet[head.Length..]);
        tail.CopyTo(packet[(head.Length + sid)..]);
        return frame;
    }

    private byte[] HandshakeTail(string[] upgrades)
    {
        var json = JsonSerializer.Serialize(upgrades);
        return System.Text.Encoding.UTF8.GetBytes(
            $"\",\"upgrades\":{json},\"pingInterval\":{(long)Options.PingInterval.TotalMilliseconds},\"pingTimeout\":{(long)Options.PingTimeout.TotalMilliseconds},\"maxPayload\":{Options.MaxHttpBufferSize}}}");
    }

    // ----- packets from either transport -----

    internal bool OnTextPacket(EngineSession session, ReadOnlySpan<byte> packet, bool viaWebSocket)
    {
        if (packet.IsEmpty) return false;
        switch (packet[0])
        {
            case EnginePacketType.Message:
                if (session.IsOpen) _handler.OnMessage(session, packet[1..]);
                return true;
            case EnginePacketType.Pong:
                session.OnPong();
                return true;
            case EnginePacketType.Ping:
                // Clients of protocol v4 do not ping, but answering costs nothing and keeps older peers alive.
                session.Enqueue(OutgoingFrame.Pong);
                return true;
            case EnginePacketType.Close:
                session.OnClientClose();
                return true;
            case EnginePacketType.Noop:
                return true;
            case EnginePacketType.Upgrade:
                return viaWebSocket;
            default:
                return false;
        }
    }

    internal void OnBinaryPacket(EngineSession session, ReadOnlySpan<byte> data)
    {
        if (session.IsOpen) _handler.OnBinary(session, data);
    }

    // ----- lifecycle -----

    internal void OnUpgraded(EngineSession session)
    {
        _metrics.SessionUpgraded();
        _handler.OnUpgraded(session);
    }

    internal void OnSessionClosed(EngineSession session, EngineCloseReason reason)
    {
        _sessions.TryRemove(new KeyValuePair<string, EngineSession>(session.Id, session));
        _wheel.Remove(session);
        session.AddressPermit?.Dispose();
        var name = reason.ToName();
        _metrics.SessionClosed(session.Transport, name);
        Log.SessionClosed(_logger, session.Id, session.Transport, name);
        try
        {
            _handler.OnClose(session, reason);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, session.Id);
        }
    }

    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(_sweepResolution, _time);
        var due = new List<EngineSession>();
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var now = Now;
                _wheel.TakeDue(now, due);
                if (due.Count == 0) continue;

                // The pings of a pass go out in batches, like a broadcast's frames (through the pump, if there is one).
                var pass = _writes.BeginFanOut(many: true);
                try
                {
                    foreach (var session in due)
                    {
                        _wheel.Schedule(session, session.OnHeartbeat(now, pass));

                        // Closed meanwhile (its removal ran before this filing): taken out again, not held until its slot.
                        if (session.IsClosed) _wheel.Remove(session);
                    }
                }
                finally
                {
                    pass.Dispose();
                    due.Clear();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }
    }

    /// <summary>A session has something due at <paramref name="at"/>: the sweep visits it no earlier (see <see cref="HeartbeatWheel{TSession}"/>).</summary>
    internal void NoteDue(EngineSession session, long at) => _wheel.Schedule(session, at);

    // ----- HTTP helpers -----

    /// <summary>
    /// The error a request earns from its <c>transport</c> and <c>EIO</c> alone, or null. The HTTP pipeline and the
    /// connection path (<see cref="TryClaimWebSocket"/>) both decide with it, so they cannot drift apart.
    /// </summary>
    private int? QueryRefusal(StringValues transport, StringValues eio)
    {
        if (transport.Count != 1 || !Options.Transports.Contains(transport.ToString())) return EngineError.UnknownTransport;
        return eio == "4" ? null : EngineError.UnsupportedProtocolVersion;
    }

    private static Task RefuseAsync(HttpContext context, int code) => EngineError.WriteAsync(context, code);

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
