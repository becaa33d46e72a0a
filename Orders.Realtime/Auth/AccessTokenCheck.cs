namespace Orders.Realtime.Auth;

/// <summary>The outcome of validating an access token.</summary>
/// <param name="UserId">The <c>sub</c> claim when valid.</param>
/// <param name="IsAdmin">Whether the token carries the <c>admin</c> role.</param>
/// <param name="Failure">Null when valid, otherwise why not.</param>
/// <param name="ExpiresAt">The token's <c>exp</c> when valid.</param>
/// <param name="ValidUntil">
/// When valid, the last moment the validator would still accept the token: <paramref name="ExpiresAt"/> plus its clock
/// skew. A socket authenticated with the token is disconnected then.
/// </param>
public sealed record AccessTokenCheck(string? UserId, bool IsAdmin, AccessTokenFailure? Failure, DateTimeOffset ExpiresAt, DateTimeOffset ValidUntil)
{
    /// <summary>A valid token for <paramref name="userId"/>, expiring at <paramref name="expiresAt"/> and accepted until <paramref name="validUntil"/>.</summary>
    public static AccessTokenCheck Valid(string userId, bool isAdmin, DateTimeOffset expiresAt, DateTimeOffset validUntil) =>
        new(userId, isAdmin, null, expiresAt, validUntil);

    /// <summary>A refused token.</summary>
    public static AccessTokenCheck Refused(AccessTokenFailure failure) => new(null, false, failure, default, default);
}
