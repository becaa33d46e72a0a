namespace Orders.Protocol.SocketIO.Recovery;

/// <summary>
/// An event a recovering socket missed: sent as <c>[EventName, ...Args, "Offset"]</c>, exactly as it was first sent.
/// An argument that is a <see cref="System.Text.Json.JsonElement"/> goes on the wire as its text.
/// </summary>
public sealed record MissedEvent(long Offset, string EventName, IReadOnlyList<object?> Args);
