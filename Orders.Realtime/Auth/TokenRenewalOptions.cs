namespace Orders.Realtime.Auth;

/// <summary>
/// When a socket hears that its access token is running out. A socket ends when its token stops being valid (its
/// <c>exp</c> plus the validator's clock skew) unless the client renews it in band with <c>auth:renew</c>.
/// </summary>
public sealed class TokenRenewalOptions
{
    /// <summary>
    /// How long before the token's <c>exp</c> the server emits <c>auth:expiring</c>. A token that has less than twice
    /// this left when the socket connects or renews hears it halfway to its <c>exp</c> instead, so a short token is not
    /// told at once. Default 60 seconds.
    /// </summary>
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromSeconds(60);

    internal IEnumerable<string> Validate()
    {
        if (RenewBefore <= TimeSpan.Zero || RenewBefore > TimeSpan.FromHours(1))
            yield return "TokenRenewal:RenewBefore must be more than zero and at most one hour.";
    }

    // When to warn a socket whose token expires at expiresAt, seen at now.
    internal DateTimeOffset NoticeAt(DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var left = expiresAt - now;
        if (left <= TimeSpan.Zero) return now;
        var lead = left < RenewBefore * 2 ? left / 2 : RenewBefore;
        return expiresAt - lead;
    }
}
