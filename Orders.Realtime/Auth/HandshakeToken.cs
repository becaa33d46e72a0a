using System.Text.Json;
using Orders.Protocol.SocketIO;

namespace Orders.Realtime.Auth;

// Where a browser's token can be: socket.io-client's auth.token, else an Authorization: Bearer header (Node clients),
// else the accessToken cookie the auth service sets (same-site browsers that send cookies).
internal static class HandshakeToken
{
    public const string CookieName = "accessToken";

    public static string? Find(Handshake handshake)
    {
        if (handshake.Auth.ValueKind == JsonValueKind.Object
            && handshake.Auth.TryGetProperty("token", out var token)
            && token.ValueKind == JsonValueKind.String
            && token.GetString() is { Length: > 0 } fromAuth)
        {
            return fromAuth;
        }

        var authorization = handshake.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && authorization["Bearer ".Length..].Trim() is { Length: > 0 } fromHeader)
        {
            return fromHeader;
        }

        return handshake.Cookies.TryGetValue(CookieName, out var fromCookie) && fromCookie.Length > 0 ? fromCookie : null;
    }
}
