namespace Orders.Protocol.SocketIO.Adapters;

/// <summary>The default adapter: one node, nothing to forward.</summary>
public sealed class LocalAdapter : ISocketIOAdapter
{
    /// <inheritdoc />
    public bool ForwardsBroadcasts => false;

    /// <inheritdoc />
    public void Publish(PeerBroadcast broadcast)
    {
    }
}
