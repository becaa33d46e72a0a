using System.Security.Cryptography;
using System.Text;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>The <c>101 Switching Protocols</c> answer to a WebSocket handshake taken before Kestrel's HTTP layer.</summary>
internal static class SwitchingProtocols
{
    /// <summary>The 101 response, followed by <paramref name="firstFrame"/> (the open packet's WebSocket frame) when there is one.</summary>
    public static byte[] Response(string key, ReadOnlySpan<byte> firstFrame)
    {
        var head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;
        Span<byte> accept = stackalloc byte[28];
        var length = WriteAccept(key, accept);
        var response = new byte[head.Length + length + 4 + firstFrame.Length];
        head.CopyTo(response);
        accept[..length].CopyTo(response.AsSpan(head.Length));
        "\r\n\r\n"u8.CopyTo(response.AsSpan(head.Length + length));
        firstFrame.CopyTo(response.AsSpan(head.Length + length + 4));
        return response;
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for <paramref name="key"/>.</summary>
    public static string AcceptValue(string key)
    {
        Span<byte> accept = stackalloc byte[28];
        return Encoding.ASCII.GetString(accept[..WriteAccept(key, accept)]);
    }

    /// <summary>RFC 6455 §4.2.2: base64(SHA-1(key + GUID)); 28 ASCII bytes.</summary>
    private static int WriteAccept(string key, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        var written = Encoding.ASCII.GetBytes(key, input);
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.CopyTo(input[written..]);
        written += 36;
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..written], hash);
        System.Buffers.Text.Base64.EncodeToUtf8(hash, destination, out _, out var length);
        return length;
    }
}
