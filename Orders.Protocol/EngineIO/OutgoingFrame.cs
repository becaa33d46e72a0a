namespace Orders.Protocol.EngineIO;

/// <summary>
/// One encoded Engine.IO packet ready for the wire. Text frames carry their packet type byte; binary frames are
/// the raw bytes. A broadcast builds one frame and hands the same array to every recipient.
/// </summary>
internal readonly record struct OutgoingFrame(ReadOnlyMemory<byte> Payload, bool IsBinary)
{
    public static readonly OutgoingFrame Ping = Text("2"u8.ToArray());
    public static readonly OutgoingFrame Pong = Text("3"u8.ToArray());
    public static readonly OutgoingFrame Noop = Text("6"u8.ToArray());
    public static readonly OutgoingFrame CloseFrame = Text("1"u8.ToArray());
    public static readonly OutgoingFrame ProbeAnswer = Text("3probe"u8.ToArray());

    public static OutgoingFrame Text(ReadOnlyMemory<byte> payload) => new(payload, false);

    public static OutgoingFrame Binary(ReadOnlyMemory<byte> payload) => new(payload, true);
}
