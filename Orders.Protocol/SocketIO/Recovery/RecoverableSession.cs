namespace Orders.Protocol.SocketIO.Recovery;

/// <summary>What is kept of a recoverable socket between its connection and its recovery.</summary>
/// <param name="Pid">The private id the client presents to recover (sent in the CONNECT answer, never shown to others).</param>
/// <param name="Namespace">The namespace of the socket.</param>
/// <param name="SocketId">The socket id the recovered socket gets back.</param>
/// <param name="Owner">What <see cref="ConnectionStateRecoveryOptions.SessionOwner"/> said of the socket.</param>
/// <param name="Rooms">The rooms the recovered socket rejoins.</param>
/// <param name="StartOffset">
/// The last durable offset emitted when the socket connected: a client that received no event before it lost its
/// connection (and so presents no offset) recovers every event after it. Null when none was known.
/// </param>
/// <param name="DisconnectedAt">When the socket was last known connected; null while it is connected.</param>
public sealed record RecoverableSession(
    string Pid, string Namespace, string SocketId, string? Owner, IReadOnlyList<string> Rooms, long? StartOffset, DateTimeOffset? DisconnectedAt);
