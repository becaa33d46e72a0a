using System.Buffers.Binary;

namespace Orders.LoadGen.Client;

/// <summary>Client-to-server WebSocket frames: FIN + opcode, the mask bit, a random key and the payload XORed with it (RFC 6455 5.3).</summary>
internal static class MaskedFrame
{
    public static byte[] Text(ReadOnlySpan<byte> payload) => Build(0x1, payload);

    public static byte[] Build(int opcode, ReadOnlySpan<byte> payload)
    {
        // Up to 64 KiB: a CONNECT with a JWT (the orders scenario) is longer than 125 bytes.
        if (payload.Length > ushort.MaxValue) throw new ArgumentException("frames up to 64 KiB only", nameof(payload));
        var header = payload.Length > 125 ? 4 : 2;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 4)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }

        Random.Shared.NextBytes(frame.AsSpan(header, 4));
        for (var i = 0; i < payload.Length; i++) frame[header + 4 + i] = (byte)(payload[i] ^ frame[header + (i & 3)]);
        return frame;
    }
}
