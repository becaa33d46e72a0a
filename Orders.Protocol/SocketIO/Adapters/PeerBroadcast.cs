namespace Orders.Protocol.SocketIO.Adapters;

/// <summary>
/// A broadcast on its way between nodes: its targets and its Socket.IO packet, already encoded (the text after
/// Engine.IO's message type, e.g. <c>2["news",{"a":1}]</c>), so the receiving node sends it as it is.
/// </summary>
/// <param name="Namespace">The namespace it was emitted in.</param>
/// <param name="Rooms">Its rooms; empty means every socket of the namespace.</param>
/// <param name="Except">Rooms whose members are left out.</param>
/// <param name="Packet">The Socket.IO packet text.</param>
public sealed record PeerBroadcast(string Namespace, IReadOnlyList<string> Rooms, IReadOnlyList<string> Except, string Packet);
