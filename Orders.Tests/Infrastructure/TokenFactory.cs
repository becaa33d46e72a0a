using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Orders.Tests.Infrastructure;

// Tokens the service must refuse: signed with another secret, by another issuer, without a subject, and the JWT
// attacks of Attack(), each built by hand so that exactly one thing is wrong with it.
internal static class TokenFactory
{
    public const string OtherSecret = "another-secret-that-is-long-enough-0123456789";

    // Every attack Attack() knows, with the reason the socket handshake gives for it.
    public static readonly (string Kind, string Reason)[] Attacks =
    [
        ("alg-none", "invalid_token"),
        ("rs256", "invalid_token"),
        ("wrong-key", "invalid_token"),
        ("altered-payload", "invalid_token"),
        ("wrong-issuer", "invalid_token"),
        ("expired", "token_expired"),
        ("nbf-in-the-future", "invalid_token"),
        ("no-sub", "invalid_token"),
        ("no-exp", "invalid_token"),
    ];

    public static string Sign(string? subject, string secret, string issuer)
    {
        var claims = new Dictionary<string, object>();
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Claims = claims,
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }

    // "valid" makes the control token (nothing wrong), so a refusal of the others is not the hand-made shape's fault.
    public static string Attack(string kind, string user, string secret, string issuer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object> { ["sub"] = user, ["iss"] = issuer, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 600 };
        switch (kind)
        {
            case "valid":
                return Hs256(claims, secret);
            case "alg-none":
                return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(claims)}.";
            case "rs256":
                using (var rsa = RSA.Create(2048))
                {
                    var unsigned = $"{Part(new { alg = "RS256", typ = "JWT" })}.{Part(claims)}";
                    var signature = rsa.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    return $"{unsigned}.{Base64UrlEncoder.Encode(signature)}";
                }

            case "wrong-key":
                return Hs256(claims, OtherSecret);
            case "altered-payload":
                var signed = Hs256(claims, secret).Split('.');
                claims["role"] = "admin";
                return $"{signed[0]}.{Part(claims)}.{signed[2]}";
            case "wrong-issuer":
                claims["iss"] = "https://elsewhere.example";
                return Hs256(claims, secret);
            case "expired":
                (claims["iat"], claims["nbf"], claims["exp"]) = (now - 7200, now - 7200, now - 3600);
                return Hs256(claims, secret);
            case "nbf-in-the-future":
                (claims["nbf"], claims["exp"]) = (now + 3600, now + 7200);
                return Hs256(claims, secret);
            case "no-sub":
                claims.Remove("sub");
                return Hs256(claims, secret);
            case "no-exp":
                claims.Remove("exp");
                return Hs256(claims, secret);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such attack");
        }
    }

    private static string Hs256(Dictionary<string, object> claims, string secret)
    {
        var unsigned = $"{Part(new { alg = "HS256", typ = "JWT" })}.{Part(claims)}";
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(unsigned));
        return $"{unsigned}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
