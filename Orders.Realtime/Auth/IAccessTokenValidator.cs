namespace Orders.Realtime.Auth;

/// <summary>
/// Validates an access token for the socket handshake. The application implements it with the same rules as
/// its REST authentication, so both accept and refuse the same tokens.
/// </summary>
public interface IAccessTokenValidator
{
    /// <summary>Validates <paramref name="token"/>; never throws for a bad token.</summary>
    ValueTask<AccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken);
}
