using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// A Socket.IO packet as Engine.IO frames: the text frame (with its Engine.IO <c>4</c> prefix) followed by one
/// binary frame per attachment. Immutable, so one instance serves every recipient of a broadcast.
/// </summary>
internal sealed class EncodedPacket
{
    // Most packets have no attachment: their one frame is held here rather than in an array of one, which an emit
    // to a user's room would otherwise allocate for every event.
    private readonly OutgoingFrame _text;
    private readonly OutgoingFrame[]? _all;

    public EncodedPacket(OutgoingFrame text) => _text = text;

    /// <summary>The text frame and its attachments, in order (<paramref name="frames"/>[0] is the text frame).</summary>
    public EncodedPacket(OutgoingFrame[] frames)
    {
        _text = frames[0];
        _all = frames;
    }

    public ReadOnlySpan<OutgoingFrame> Frames => _all ?? new ReadOnlySpan<OutgoingFrame>(in _text);

    public ReadOnlySpan<byte> Text => _text.Payload.Span;

    public bool HasAttachments => _all is { Length: > 1 };
}
