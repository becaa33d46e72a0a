using System.Buffers.Binary;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// The header of an unmasked, unfragmented server frame (RFC 6455 §5.2). A server frame depends only on its payload,
/// so a broadcast can build the whole frame once and send the same bytes to every recipient.
/// </summary>
internal static class WebSocketFrameHeader
{
    private const byte Fin = 0x80;
    private const byte TextOpcode = 0x1;
    private const byte BinaryOpcode = 0x2;

    /// <summary>The first byte of a close frame, as System.Net.WebSockets writes it (FIN, no extension bits).</summary>
    public const byte CloseFirstByte = Fin | 0x8;

    /// <summary>
    /// A close frame without a status code (RFC 6455 §5.5.1), which engine.io sends to a WebSocket it declines. Written
    /// by hand because System.Net.WebSockets cannot send one: asked for <c>WebSocketCloseStatus.Empty</c> it puts the
    /// code 1005 on the wire, which §7.4.1 reserves for "no code received" and clients reject as a protocol error.
    /// </summary>
    public static ReadOnlySpan<byte> EmptyClose => [CloseFirstByte, 0];

    public static int Length(int payloadLength) => payloadLength switch
    {
        <= 125 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    /// <summary>Writes the header for <paramref name="payloadLength"/> bytes; returns its length.</summary>
    public static int Write(Span<byte> destination, bool binary, int payloadLength)
    {
        destination[0] = (byte)(Fin | (binary ? BinaryOpcode : TextOpcode));
        if (payloadLength <= 125)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }
}
