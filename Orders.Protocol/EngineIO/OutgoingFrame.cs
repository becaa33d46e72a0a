using Orders.Protocol.EngineIO.Transports.WebSockets;


namespace Orders.Protocol.EngineIO;

/// <summary>
/// One encoded Engine.IO packet ready for the wire. Text frames carry their packet type byte; binary frames are
/// the raw bytes. A broadcast builds one frame and hands the same array to every recipient.
/// <para>
/// Text frames are built by <see cref="AllocateText"/>: <see cref="Wire"/> is the whole WebSocket frame (header, then
/// <see cref="Payload"/>) in the same array, which a connection that writes frames itself sends as it is. Binary
/// frames are the application's bytes and have no <see cref="Wire"/>.
/// </para>
/// </summary>
internal readonly record struct OutgoingFrame(ReadOnlyMemory<byte> Payload, bool IsBinary, ReadOnlyMemory<byte> Wire = default)
{
    public static readonly OutgoingFrame Ping = Text("2"u8);
    public static readonly OutgoingFrame Pong = Text("3"u8);
    public static readonly OutgoingFrame Noop = Text("6"u8);
    public static readonly OutgoingFrame CloseFrame = Text("1"u8);
    public static readonly OutgoingFrame ProbeAnswer = Text("3probe"u8);

    /// <summary>
    /// Set on a frame that answers a client's packet and had to wait in the queue: the send pump writes it in a write
    /// of its own, never gathered with the frames around it (see <see cref="EngineSession.Answering"/>).
    /// </summary>
    public bool Alone { get; init; }

    /// <summary>A text frame with its WebSocket header, copied from <paramref name="payload"/>.</summary>
    public static OutgoingFrame Text(ReadOnlySpan<byte> payload)
    {
        var frame = AllocateText(payload.Length, out var destination);
        payload.CopyTo(destination);
        return frame;
    }

    public static OutgoingFrame Binary(ReadOnlyMemory<byte> payload) => new(payload, true);

    /// <summary>
    /// A text frame of <paramref name="payloadLength"/> bytes for the caller to fill through <paramref name="payload"/>:
    /// one array holds the WebSocket header and the payload.
    /// </summary>
    public static OutgoingFrame AllocateText(int payloadLength, out Span<byte> payload)
    {
        var header = WebSocketFrameHeader.Length(payloadLength);
        var wire = new byte[header + payloadLength];
        WebSocketFrameHeader.Write(wire, binary: false, payloadLength);
        payload = wire.AsSpan(header);
        return new OutgoingFrame(wire.AsMemory(header), false, wire);
    }
}
