namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// How a frame that would go straight to the socket is written: now by the caller (<see cref="Direct"/>), by the send
/// pump (<see cref="Pumped"/>: one of many sends in a row), or when a batch is flushed (<see cref="Held"/>). A frame
/// that must queue behind others queues whatever the route.
/// </summary>
internal readonly struct SendRoute
{
    private SendRoute(SendBatch? batch, bool pumped)
    {
        Batch = batch;
        IsPumped = pumped;
    }

    public static SendRoute Direct => default;

    public static SendRoute Pumped => new(null, pumped: true);

    public static SendRoute Held(SendBatch batch) => new(batch, pumped: false);

    /// <summary>The batch that writes the frame when flushed, or null.</summary>
    public SendBatch? Batch { get; }

    /// <summary>Whether the pump writes the frame (if the server has one and the connection is one it can write).</summary>
    public bool IsPumped { get; }
}
