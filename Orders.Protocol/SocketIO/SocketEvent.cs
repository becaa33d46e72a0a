namespace Orders.Protocol.SocketIO;

/// <summary>An event received from a client.</summary>
public sealed class SocketEvent
{
    private readonly long _ackId;
    private int _acked;

    internal SocketEvent(Socket socket, string name, SocketArgs args, long ackId)
    {
        Socket = socket;
        Name = name;
        Args = args;
        _ackId = ackId;
    }

    /// <summary>The socket the event came from.</summary>
    public Socket Socket { get; }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The event arguments.</summary>
    public SocketArgs Args { get; }

    /// <summary>Whether the client waits for an acknowledgement.</summary>
    public bool HasAck => _ackId >= 0;

    /// <summary>Acknowledges the event with <paramref name="args"/>. Only the first call sends; false otherwise.</summary>
    public bool Ack(params ReadOnlySpan<object?> args)
    {
        if (!HasAck || Interlocked.Exchange(ref _acked, 1) == 1) return false;
        return Socket.SendAck(_ackId, args);
    }
}
