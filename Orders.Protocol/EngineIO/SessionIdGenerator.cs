using System.Buffers.Text;
using System.Security.Cryptography;

namespace Orders.Protocol.EngineIO;

/// <summary>Session and socket ids: 144 random bits, URL-safe base64 (24 characters), never guessable.</summary>
internal static class SessionIdGenerator
{
    private const int IdBytes = 18;

    // Each call into the system's CSPRNG costs a system call (OpenSSL's fork check) and ~2.5 µs here; a connect
    // takes two ids. The bytes are the same CSPRNG's, fetched for 64 ids at once and wiped as they are used.
    private const int IdsPerFill = 64;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_next;

    public static string NewId()
    {
        var pool = t_pool ??= new byte[IdBytes * IdsPerFill];
        if (t_next == 0) RandomNumberGenerator.Fill(pool);
        var bytes = pool.AsSpan(t_next * IdBytes, IdBytes);
        t_next = (t_next + 1) % IdsPerFill;
        var id = Base64Url.EncodeToString(bytes);
        bytes.Clear();
        return id;
    }
}
