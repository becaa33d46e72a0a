using System.Net;
using System.Threading.RateLimiting;

namespace Orders.Protocol.EngineIO.Limits;

/// <summary>
/// Decides whether a client address may open another session: a token bucket of handshakes and a cap on open sessions,
/// one of each per address (<see cref="EngineIOLimitOptions"/>). One instance per endpoint, asked by every path a
/// handshake can take, so an address has one budget however its handshakes arrive.
/// </summary>
/// <remarks>
/// Built on <see cref="PartitionedRateLimiter"/>: its one timer replenishes every address's bucket and drops the
/// partitions of addresses idle for a while, so a scan of many addresses costs no timer or memory per address for long.
/// ASP.NET Core's rate-limiting middleware cannot serve here: handshakes answered below Kestrel's HTTP layer have no
/// <c>HttpContext</c>, and the endpoint must not depend on the host adding <c>UseRateLimiter</c>.
/// </remarks>
internal sealed class SessionAdmission : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _handshakes;
    private readonly PartitionedRateLimiter<IPAddress>? _sessions;

    public SessionAdmission(EngineIOLimitOptions options)
    {
        if (options.LimitsRate)
        {
            // Not auto-replenishing: the partitioned limiter's own timer tops up every bucket, instead of a timer per address.
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.HandshakeBurstPerAddress,
                TokensPerPeriod = options.HandshakeRefill,
                ReplenishmentPeriod = options.HandshakeRefillPeriod,
                QueueLimit = 0,
                AutoReplenishment = false,
            };
            Func<IPAddress, TokenBucketRateLimiterOptions> factory = _ => bucket;
            _handshakes = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetTokenBucketLimiter(address, factory));
        }

        if (options.LimitsSessions)
        {
            var cap = new ConcurrencyLimiterOptions { PermitLimit = options.MaxSessionsPerAddress, QueueLimit = 0 };
            Func<IPAddress, ConcurrencyLimiterOptions> factory = _ => cap;
            _sessions = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetConcurrencyLimiter(address, factory));
        }
    }

    /// <summary>Whether any limit applies (false: every handshake is admitted without a look).</summary>
    public bool IsEnabled => _handshakes is not null || _sessions is not null;

    /// <summary>
    /// Takes a handshake of <paramref name="remoteAddress"/> and, with the session cap on, a session permit, which the
    /// session holds until it closes. A refusal takes nothing, so asking again (the connection path refuses by handing
    /// the connection to the HTTP path, which asks again to answer with the error) costs the address nothing.
    /// </summary>
    public Admission Admit(IPAddress? remoteAddress)
    {
        if (!IsEnabled || ClientAddress.KeyOf(remoteAddress) is not { } key) return Admission.Admitted(null);
        try
        {
            return AdmitKey(key);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping (the engine disposed this meanwhile): the session it would open is closed at once anyway.
            return Admission.Admitted(null);
        }
    }

    private Admission AdmitKey(IPAddress key)
    {
        // The session permit first: a handshake refused for the rate gives it back, so a refusal takes nothing.
        RateLimitLease? permit = null;
        if (_sessions is not null)
        {
            permit = _sessions.AttemptAcquire(key);
            if (!permit.IsAcquired)
            {
                permit.Dispose();
                return Admission.Refused(AdmissionRefusal.TooManySessions, null);
            }
        }

        if (_handshakes is not null)
        {
            using var handshake = _handshakes.AttemptAcquire(key);
            if (!handshake.IsAcquired)
            {
                permit?.Dispose();
                return Admission.Refused(
                    AdmissionRefusal.TooManyHandshakes,
                    handshake.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null);
            }
        }

        return Admission.Admitted(permit);
    }

    public void Dispose()
    {
        _handshakes?.Dispose();
        _sessions?.Dispose();
    }
}
