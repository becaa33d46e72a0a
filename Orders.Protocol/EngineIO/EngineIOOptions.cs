namespace Orders.Protocol.EngineIO;

/// <summary>
/// Engine.IO transport settings. Defaults are the ones the Node <c>engine.io</c> server ships with, so a
/// stock <c>socket.io-client</c> behaves exactly as it does against Node.
/// </summary>
public sealed class EngineIOOptions
{
    /// <summary>How often the server sends a ping. Default 25 s (socket.io <c>pingInterval</c>).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromMilliseconds(25_000);

    /// <summary>
    /// Spreads each session's first ping over the last part of <see cref="PingInterval"/>: it comes at a random moment
    /// between (1 - PingJitter) x PingInterval and PingInterval after the session opened. Sessions opened together (the
    /// reconnect wave after a restart) are otherwise pinged together at every interval for as long as they stay, and
    /// their pongs arrive together, a burst that delays whatever is being sent meanwhile; spread once, they stay
    /// spread. An early ping is harmless to clients (each ping restarts their timeout). 0 pings exactly at the
    /// interval, as socket.io does. Default 0.2; at most 0.9.
    /// </summary>
    public double PingJitter { get; set; } = 0.2;

    /// <summary>How long the server waits for the pong before closing the session. Default 20 s (<c>pingTimeout</c>).</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromMilliseconds(20_000);

    /// <summary>Largest accepted POST body or WebSocket message, in bytes. Default 1,000,000 (<c>maxHttpBufferSize</c>).</summary>
    public long MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>Whether a polling session may upgrade to WebSocket. Default true (<c>allowUpgrades</c>).</summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>How long an upgrade may stay between probe and completion before it is abandoned. Default 10 s (<c>upgradeTimeout</c>).</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromMilliseconds(10_000);

    /// <summary>Transports accepted, among <c>polling</c> and <c>websocket</c>. Default both.</summary>
    public IList<string> Transports { get; set; } = ["polling", "websocket"];

    /// <summary>
    /// Origins granted CORS on the Engine.IO endpoint, with credentials. Empty (the default) leaves CORS to the
    /// application's own middleware; <c>*</c> grants any origin without credentials.
    /// </summary>
    public IList<string> CorsOrigins { get; set; } = [];

    /// <summary>
    /// Packets that may wait in one session's outgoing queue. A client that stops reading is disconnected with
    /// the reason <c>send queue full</c> once it is reached, so one slow reader never holds memory or delays
    /// anybody else. Default 1024 (socket.io has no such bound).
    /// </summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Whether the server closes its sessions by itself when the host starts stopping (ApplicationStopping): it
    /// refuses new sessions, sends each open one what is queued for it, then closes its transport, so clients
    /// reconnect (elsewhere) rather than being disconnected; sessions still open when the host has stopped are ended.
    /// Set it false when the application closes them at its own moment of its shutdown, after its last emits, with
    /// <see cref="SocketIO.SocketIOServer.ShutdownAsync"/> (new sessions are refused from ApplicationStopping either way).
    /// Default true.
    /// </summary>
    public bool CloseOnApplicationStopping { get; set; } = true;

    /// <summary>How sessions' connections are accepted and written (see <see cref="IOOptions"/>); rarely changed.</summary>
    public IOOptions IO { get; set; } = new();

    /// <summary>Per-client-address limits on new sessions: a handshake rate and a cap on open sessions (see <see cref="EngineIOLimitOptions"/>).</summary>
    public EngineIOLimitOptions Limits { get; set; } = new();

    internal IEnumerable<string> Validate()
    {
        if (PingInterval <= TimeSpan.Zero) yield return "PingInterval must be positive.";
        if (PingTimeout <= TimeSpan.Zero) yield return "PingTimeout must be positive.";
        if (!(PingJitter is >= 0 and <= 0.9)) yield return "PingJitter must be between 0 and 0.9.";
        if (MaxHttpBufferSize < 64) yield return "MaxHttpBufferSize must be at least 64 bytes.";
        if (UpgradeTimeout <= TimeSpan.Zero) yield return "UpgradeTimeout must be positive.";
        if (SendQueueCapacity < 1) yield return "SendQueueCapacity must be at least 1.";
        if (Transports.Count == 0) yield return "At least one transport must be enabled.";
        foreach (var error in Limits.Validate()) yield return error;
        foreach (var t in Transports)
        {
            if (t is not ("polling" or "websocket")) yield return $"Unknown transport '{t}'.";
        }
    }
}
