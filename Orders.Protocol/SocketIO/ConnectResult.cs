namespace Orders.Protocol.SocketIO;

/// <summary>What a connection middleware decides: accept, or refuse with a message and data for <c>connect_error</c>.</summary>
public sealed class ConnectResult
{
    private ConnectResult(bool accepted, string? message, object? data)
    {
        Accepted = accepted;
        Message = message;
        Data = data;
    }

    /// <summary>Let the connection through.</summary>
    public static ConnectResult Accept { get; } = new(true, null, null);

    /// <summary>Whether the connection is accepted.</summary>
    public bool Accepted { get; }

    /// <summary>The client's <c>err.message</c> when refused.</summary>
    public string? Message { get; }

    /// <summary>The client's <c>err.data</c> when refused.</summary>
    public object? Data { get; }

    /// <summary>Refuse: the client's <c>connect_error</c> carries <paramref name="message"/> and <paramref name="data"/>.</summary>
    public static ConnectResult Reject(string message, object? data = null) => new(false, message, data);
}
