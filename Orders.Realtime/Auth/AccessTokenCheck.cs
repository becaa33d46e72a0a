namespace Orders.Realtime.Auth;

/// <summary>The outcome of validating an access token.</summary>
/// <param name="UserId">The <c>sub</c> claim when valid.</param>
/// <param name="IsAdmin">Whether the token carries the <c>admin</c> role.</param>
/// <param name="Failure">Null when valid, otherwise why not.</param>
public sealed record AccessTokenCheck(string? UserId, bool IsAdmin, AccessTokenFailure? Failure)
{
    /// <summary>A valid token for <paramref name="userId"/>.</summary>
    public static AccessTokenCheck Valid(string userId, bool isAdmin) => new(userId, isAdmin, null);

    /// <summary>A refused token.</summary>
    public static AccessTokenCheck Refused(AccessTokenFailure failure) => new(null, false, failure);
}
