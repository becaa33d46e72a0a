using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Orders.Realtime.Auth;

namespace Orders.Api.Auth;

// The single definition of a valid access token, used by the REST bearer handler and the socket handshake.
internal sealed class AccessTokenValidator(IOptions<AccessTokenOptions> options) : IAccessTokenValidator
{
    public const string SubjectClaim = "sub";
    public const string AdminRole = "admin";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public TokenValidationParameters Parameters { get; } = CreateParameters(options.Value);

    public static SymmetricSecurityKey SigningKey(AccessTokenOptions options) => new(Encoding.UTF8.GetBytes(options.Secret));

    // Beyond what TokenValidationParameters can say: a subject is required.
    public static bool HasSubject(ClaimsPrincipal? principal) =>
        !string.IsNullOrWhiteSpace(principal?.FindFirst(SubjectClaim)?.Value);

    public static bool IsAdmin(ClaimsPrincipal principal) =>
        principal.Claims.Any(c => c.Type is "role" or "roles" && string.Equals(c.Value, AdminRole, StringComparison.Ordinal));

    public async ValueTask<AccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var result = await _handler.ValidateTokenAsync(token, Parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return AccessTokenCheck.Refused(result.Exception is SecurityTokenExpiredException
                ? AccessTokenFailure.TokenExpired
                : AccessTokenFailure.InvalidToken);
        }

        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        if (!HasSubject(principal)) return AccessTokenCheck.Refused(AccessTokenFailure.InvalidToken);

        // RequireExpirationTime makes exp present on every valid token; the socket lives as long as this validator would accept it.
        var expiresAt = new DateTimeOffset(DateTime.SpecifyKind(result.SecurityToken.ValidTo, DateTimeKind.Utc));
        return AccessTokenCheck.Valid(principal.FindFirst(SubjectClaim)!.Value, IsAdmin(principal), expiresAt, expiresAt + Parameters.ClockSkew);
    }

    private static TokenValidationParameters CreateParameters(AccessTokenOptions options) => new()
    {
        ValidateIssuer = true,
        ValidIssuer = options.Issuer,
        ValidateAudience = false,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = options.ClockSkew,
        ValidateIssuerSigningKey = true,
        IssuerSigningKey = SigningKey(options),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = SubjectClaim,
        RoleClaimType = "role",
    };
}
