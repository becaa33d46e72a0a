namespace Orders.Protocol.EngineIO;

/// <summary>
/// How an Engine.IO endpoint accepts and writes its sessions' connections (<see cref="EngineIOOptions.IO"/>). Each
/// switch only trades speed and memory: clients see the same protocol either way. The defaults suit Linux; a switch is
/// turned off to measure what it saves or to rule it out.
/// </summary>
public sealed class IOOptions
{
    /// <summary>
    /// Whether WebSocket handshakes on plain-HTTP Kestrel endpoints are answered at the connection, before
    /// Kestrel's HTTP layer: the socket then carries no HTTP request state for its whole life (about half the
    /// memory of an idle client, and a cheaper connect). Requests this endpoint would refuse, TLS endpoints and
    /// hosts other than Kestrel (TestServer) take the ordinary path through ASP.NET Core's WebSocket middleware
    /// either way. Default true.
    /// </summary>
    public bool AcceptWebSocketsOnConnection { get; set; } = true;

    /// <summary>
    /// Whether, on Kestrel's IP endpoints, the Socket.IO server accepts connections itself and serves a WebSocket
    /// handshake it takes on the bare socket, without making a Kestrel connection for it at all (no pipes, no
    /// receive loop, no hop to the thread pool): a cheaper connect and less memory per idle client than
    /// <see cref="AcceptWebSocketsOnConnection"/> alone. Every other connection (REST, polling, TLS, a handshake split
    /// over packets or refused) is handed to Kestrel untouched, as its own socket transport would make it. Such
    /// sockets are not in Kestrel's connection metrics (the Engine.IO metrics count them); where Kestrel's
    /// <c>Limits.MaxConcurrentConnections</c> is set, Kestrel keeps every connection so that the limit holds. Applies
    /// only with <see cref="AcceptWebSocketsOnConnection"/>. The listener serves the whole host, so the value in
    /// <c>AddSocketIO</c>'s <c>EngineIO.IO</c> decides it for every endpoint; <c>MapEngineIO</c>'s own options do not. Default true.
    /// </summary>
    public bool AcceptWebSocketsAtListener { get; set; } = true;

    /// <summary>
    /// Whether the WebSocket writes of a broadcast (and of an <see cref="SocketIO.EmitBatch"/>) to sockets served at
    /// the connection are handed to the kernel together, one io_uring submission for up to 256 sockets, rather than
    /// one <c>send</c> system call each. Linux only; where io_uring is unavailable writes are made one by one, as with
    /// false. Default true.
    /// </summary>
    public bool BatchSends { get; set; } = true;

    /// <summary>
    /// Whether, with <see cref="BatchSends"/> in effect, the WebSocket writes of sockets served at the connection are
    /// made by one send pump instead of the emitting thread: an emit queues its frame and returns, and the pump
    /// writes each socket's waiting frames together (a socket that was sent several frames since its last write
    /// gets them in one write), many sockets to a submission. Frames stay whole and in order per socket. It costs
    /// each write a hand-off and saves the kernel's per-write cost whenever emits outpace the writes. Default true.
    /// </summary>
    public bool CoalesceSends { get; set; } = true;
}
