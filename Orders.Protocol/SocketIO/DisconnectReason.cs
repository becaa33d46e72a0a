namespace Orders.Protocol.SocketIO;

/// <summary>Why a socket left its namespace, named as socket.io names it.</summary>
public readonly record struct DisconnectReason(string Name)
{
    /// <summary>The client called <c>socket.disconnect()</c>.</summary>
    public static DisconnectReason ClientNamespaceDisconnect { get; } = new("client namespace disconnect");

    /// <summary>The server called <see cref="Socket.Disconnect"/>.</summary>
    public static DisconnectReason ServerNamespaceDisconnect { get; } = new("server namespace disconnect");

    /// <summary>The server is shutting down.</summary>
    public static DisconnectReason ServerShuttingDown { get; } = new("server shutting down");

    /// <inheritdoc />
    public override string ToString() => Name;
}
