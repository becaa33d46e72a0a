namespace Orders.Realtime.Auth;

/// <summary>Why a token was refused; sent to the client as <c>connect_error</c> data.</summary>
public enum AccessTokenFailure
{
    /// <summary>No token in <c>auth.token</c>, the <c>Authorization</c> header or the <c>accessToken</c> cookie.</summary>
    MissingToken,

    /// <summary>Bad signature, issuer, algorithm or shape, or no <c>sub</c>.</summary>
    InvalidToken,

    /// <summary>Past its expiry, clock skew included.</summary>
    TokenExpired,
}
