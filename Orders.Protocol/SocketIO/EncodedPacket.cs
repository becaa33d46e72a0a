using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// A Socket.IO packet as Engine.IO frames: the text frame (with its Engine.IO <c>4</c> prefix) followed by one
/// binary frame per attachment. Immutable, so one instance serves every recipient of a broadcast.
/// </summary>
internal sealed class EncodedPacket(OutgoingFrame[] frames)
{
    public OutgoingFrame[] Frames { get; } = frames;

    public ReadOnlySpan<byte> Text => Frames[0].Payload.Span;
}
