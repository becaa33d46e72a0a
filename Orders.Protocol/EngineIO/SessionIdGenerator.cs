using System.Buffers.Text;
using System.Security.Cryptography;

namespace Orders.Protocol.EngineIO;

/// <summary>Session and socket ids: 144 random bits, URL-safe base64 (24 characters), never guessable.</summary>
internal static class SessionIdGenerator
{
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[18];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
