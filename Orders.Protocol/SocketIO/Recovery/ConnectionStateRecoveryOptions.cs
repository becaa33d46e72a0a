namespace Orders.Protocol.SocketIO.Recovery;

/// <summary>
/// Connection state recovery (socket.io's <c>connectionStateRecovery</c>): a client that lost its connection comes
/// back with the same socket id, rooms and every event it missed, as long as it returns within
/// <see cref="MaxDisconnectionDuration"/>. Off by default, as in socket.io. What is kept in between lives in the
/// registered <see cref="IConnectionStateStore"/> (in memory unless the application registers its own).
/// </summary>
public sealed class ConnectionStateRecoveryOptions
{
    /// <summary>Whether sockets are recoverable at all. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// How long after its disconnection a session may still be recovered. Default 2 minutes (socket.io's
    /// <c>maxDisconnectionDuration</c>).
    /// </summary>
    public TimeSpan MaxDisconnectionDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Who a socket belongs to, read after the connection middleware ran (for example the authenticated user's id and
    /// role). A session is recovered only by a socket of the same owner, so a private id presented with another
    /// user's credentials restores nothing. Null (the default) compares nothing, as socket.io does.
    /// </summary>
    public Func<Socket, string?>? SessionOwner { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (MaxDisconnectionDuration <= TimeSpan.Zero) yield return "ConnectionStateRecovery.MaxDisconnectionDuration must be positive.";
    }
}
