using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Orders.Api.Auth;

// Mints tokens the validator accepts: for `make token`, local use and tests. The auth service mints the real ones.
internal sealed class AccessTokenIssuer(IOptions<AccessTokenOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public string Issue(string userId, IReadOnlyCollection<string> roles, TimeSpan lifetime) =>
        Issue(userId, roles, time.GetUtcNow(), lifetime);

    public string Issue(string userId, IReadOnlyCollection<string> roles, DateTimeOffset issuedAt, TimeSpan lifetime, string? issuer = null)
    {
        var settings = options.Value;
        var claims = new Dictionary<string, object> { [AccessTokenValidator.SubjectClaim] = userId };
        if (roles.Count > 0)
        {
            claims["roles"] = roles.ToArray();
            claims["role"] = roles.First();
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? settings.Issuer,
            Claims = claims,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = (issuedAt + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(AccessTokenValidator.SigningKey(settings), SecurityAlgorithms.HmacSha256),
        });
    }
}
