using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orders.LoadGen.Client;

/// <summary>
/// HS256 access tokens as the orders service expects them (sub, iss, nbf, exp), signed here rather than by the service's
/// <c>token</c> command: the runner signs a few hundred, a worker tens of thousands for its clients (<c>jwt:</c> prefix).
/// </summary>
internal static class BenchToken
{
    /// <summary>The token prefix that makes a worker sign its clients' tokens: <c>jwt:ISSUER:SECRET</c>.</summary>
    public const string WorkerPrefix = "jwt:";

    public static string Sign(string secret, string issuer, string user)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var payload = Base64Url(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{{\"sub\":\"{user}\",\"iss\":\"{issuer}\",\"iat\":{now},\"nbf\":{now - 60},\"exp\":{now + 3600}}}")));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    /// <summary>
    /// The token of a worker's client number <paramref name="user"/>: with a <c>jwt:ISSUER:SECRET</c> prefix, a signed token
    /// for user <c>bench-user-N</c> (the orders service); otherwise the prefix and the number (the benchmark servers take any).
    /// </summary>
    public static string ForWorker(string prefix, int user)
    {
        if (!prefix.StartsWith(WorkerPrefix, StringComparison.Ordinal)) return prefix + user.ToString(CultureInfo.InvariantCulture);
        var parts = prefix.Split(':');
        return Sign(parts[2], parts[1], "bench-user-" + user.ToString(CultureInfo.InvariantCulture));
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
