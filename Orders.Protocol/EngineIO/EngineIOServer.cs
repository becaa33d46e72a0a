// A little over 300 lines: the routing, the session map and its lifecycle, and the entry points of both handshake
// paths (HTTP and the Kestrel connection), which decide with the same QueryRefusal and so stay side by side. Each
// transport's work is in a type of its own (Transports/), as are the sweep, the open packet and the shutdown.
using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO.Handshakes;
using Orders.Protocol.EngineIO.Limits;
using Orders.Protocol.EngineIO.Listening;
using Orders.Protocol.EngineIO.Sending;
using Orders.Protocol.EngineIO.Transports.Polling;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One Engine.IO endpoint: verifies requests like the reference server, owns the session map and the heartbeat
/// sweep, and feeds packets to the <see cref="IEngineIOHandler"/>. Each transport's requests are served by a type of
/// their own that the server creates once (<see cref="PollingRequests"/>, <see cref="WebSocketRequests"/>,
/// <see cref="RawWebSocketSessions"/>).
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
    private readonly HeartbeatSweep _sweep;
    private readonly PollingRequests _polling;
    private readonly WebSocketRequests _webSockets;
    private readonly RawWebSocketSessions _rawWebSockets;
    private readonly EngineShutdown _shutdown;
    private readonly long _firstPingSpreadTicks;

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
        _sweep = new HeartbeatSweep(options, time, Math.Max(PingIntervalTicks, Math.Max(PingTimeoutTicks, UpgradeTimeoutTicks)), _writes, _stopping.Token);
        _shutdown = new EngineShutdown(_sessions, time);
        var openPackets = new OpenPackets(options);
        var loop = new WebSocketSessionLoop(this, logger);
        var decline = new WebSocketDecline(logger);
        _polling = new PollingRequests(this, openPackets, logger);
        _webSockets = new WebSocketRequests(this, openPackets, loop, decline, logger);
        _rawWebSockets = new RawWebSocketSessions(this, openPackets, _webSockets, loop, decline);
        _sweep.Start();
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

    internal DateTimeOffset UtcNow => _time.GetUtcNow();

    /// <summary>Cancelled when the host has stopped: transports observe it while they unwind.</summary>
    internal CancellationToken Stopping => _stopping.Token;

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
        if (sid.Length == 0 && _shutdown.IsRefusing)
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
            if (isWebSocket) await _webSockets.OpenAsync(context, admission).ConfigureAwait(false);
            else await _polling.OpenAsync(context, admission).ConfigureAwait(false);
            return;
        }

        if (!_sessions.TryGetValue(sid, out var session))
        {
            await RefuseAsync(context, EngineError.UnknownSid).ConfigureAwait(false);
            return;
        }

        if (isWebSocket)
        {
            await _webSockets.UpgradeAsync(context, session).ConfigureAwait(false);
        }
        else if (session.TransportKind != TransportKind.Polling)
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
        }
        else if (HttpMethods.IsGet(request.Method))
        {
            await _polling.PollAsync(context, session).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(request.Method))
        {
            await _polling.PostAsync(context, session).ConfigureAwait(false);
        }
        else
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
        }
    }

    // ----- handshakes -----

    /// <summary><paramref name="permit"/>: the address's session permit (see <see cref="SessionAdmission"/>), given back when the session closes.</summary>
    internal EngineSession CreateSession(EngineHandshakeRequest request, TransportKind transport, IDisposable? permit)
    {
        var session = new EngineSession(this, SessionIdGenerator.NewId(), transport, request, Now) { AddressPermit = permit };
        _sessions[session.Id] = session;
        if (_stopping.IsCancellationRequested || _shutdown.IsRefusing) session.Terminate(EngineCloseReason.ServerShuttingDown);
        _metrics.SessionOpened(transport.ToName());
        Log.SessionOpened(_logger, session.Id, transport.ToName(), request.RemoteAddress);
        return session;
    }

    /// <summary>The handler learns of a session once its open packet is written or queued.</summary>
    internal void OnOpened(EngineSession session) => _handler.OnOpen(session);

    // ----- handshakes claimed before the HTTP layer (see RawWebSocketSessions) -----

    /// <summary>
    /// Takes the handshake when it is one this endpoint would accept; anything it would refuse (a new session the
    /// client address may not open included) is left to the HTTP pipeline, which answers with the usual Engine.IO
    /// error body. A handshake naming a session that cannot take a WebSocket now (already upgraded or upgrading, or on
    /// WebSocket from the start) is taken, to be declined: it is answered and closed at once, as engine.io does and as
    /// the HTTP pipeline does (<see cref="WebSocketDecline"/>).
    /// </summary>
    internal WebSocketClaim TryClaimWebSocket(WebSocketHandshake handshake, IPAddress? remoteAddress)
    {
        if (_stopping.IsCancellationRequested || _shutdown.IsRefusing || !EngineQuery.TryRead(handshake.QueryString, out var query)) return WebSocketClaim.None;
        if (query.Transport != TransportNames.WebSocket || QueryRefusal(query.Transport, query.Eio) is not null) return WebSocketClaim.None;

        if (query.Sid is null)
        {
            var admission = Admit(remoteAddress);
            return admission.IsAdmitted ? WebSocketClaim.NewSession(admission.Permit) : WebSocketClaim.None;
        }

        if (!Options.AllowUpgrades || !_sessions.TryGetValue(query.Sid, out var session)) return WebSocketClaim.None;
        return session.TryBeginUpgrade() ? WebSocketClaim.Upgrade(session) : WebSocketClaim.Decline(session);
    }

    /// <summary>Answers 101 and runs the session; the task is the receive loop's (see <see cref="RawWebSocketSessions"/>).</summary>
    internal Task ServeClaimedWebSocketAsync(ConnectionContext connection, WebSocketHandshake handshake, WebSocketClaim claim) =>
        _rawWebSockets.ServeAsync(connection, handshake, claim);

    /// <summary>The same over <paramref name="stream"/>, which is the connection's (Kestrel's, or a socket of its own).</summary>
    internal Task ServeClaimedWebSocketAsync(ConnectionStream stream, IPAddress? remoteAddress, WebSocketHandshake handshake, WebSocketClaim claim) =>
        _rawWebSockets.ServeAsync(stream, remoteAddress, handshake, claim);

    // ----- per-address limits on new sessions (EngineIOOptions.Limits), for both ways a handshake arrives -----

    /// <summary>
    /// The connection path's question (a WebSocket handshake seen before Kestrel's HTTP layer): a refusal is neither
    /// answered nor counted here, since the connection then goes on to the HTTP path, which asks again (a refusal
    /// took nothing) and answers it.
    /// </summary>
    internal Admission Admit(IPAddress? remoteAddress) => _admission.Admit(remoteAddress);

    private ValueTask<Admission> AdmitAsync(HttpContext context) => AdmissionResponse.AdmitAsync(_admission, context, _metrics, _logger);

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
        _sweep.Remove(session);
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

    /// <summary>A session has something due at <paramref name="at"/>: the sweep visits it no earlier (see <see cref="HeartbeatWheel{TSession}"/>).</summary>
    internal void NoteDue(EngineSession session, long at) => _sweep.Schedule(session, at);

    // ----- stopping: new sessions refused, open ones closed gracefully (queued frames first), the rest ended -----

    /// <summary>Refuses new sessions from now on (503); open sessions are served until they close.</summary>
    public void StopAccepting() => _shutdown.StopAccepting();

    /// <summary>Closes every open session the graceful way (see <see cref="EngineShutdown.CloseAllAsync"/>).</summary>
    public Task CloseAllAsync(CancellationToken cancellationToken) => _shutdown.CloseAllAsync(cancellationToken);

    /// <summary>Host stopped (or the endpoint disposed): the sessions still open are ended at once, then pending reads end.</summary>
    public void Dispose()
    {
        // Not disposed: transports still observe the token while they unwind.
        _stopping.Cancel();
        _shutdown.TerminateAll();

        // The admission's timer would otherwise run on after the host (tests start hundreds); permits given back later are ignored.
        _admission.Dispose();
    }

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
