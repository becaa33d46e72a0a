namespace Orders.Protocol.SocketIO.Adapters;

/// <summary>
/// How ad-hoc broadcasts reach the sockets of other nodes (socket.io's adapter). After an
/// <c>io.To(room).Emit(...)</c> has reached this node's sockets, the server hands it to the adapter, which forwards it
/// to the other nodes; a node that receives one delivers it with <see cref="SocketIOServer.DeliverFromPeer"/>. Like
/// socket.io's adapters, this is fire-and-forget: for events that must not be lost, keep them in a durable log (see
/// <see cref="Recovery.IConnectionStateStore"/>). The default, <see cref="LocalAdapter"/>, serves one node.
/// </summary>
public interface ISocketIOAdapter
{
    /// <summary>Whether broadcasts are forwarded at all; false spares the server from building a <see cref="PeerBroadcast"/>.</summary>
    bool ForwardsBroadcasts { get; }

    /// <summary>Forwards a broadcast this node made to the other nodes. Called on the emitting thread: must not block.</summary>
    void Publish(PeerBroadcast broadcast);
}
