using System.Threading.RateLimiting;

namespace Orders.Protocol.EngineIO.Limits;

/// <summary>
/// The answer to a handshake: admitted, with the session permit the new session holds until it closes (null when no
/// cap applies), or refused, with why and when the address may try again.
/// </summary>
internal readonly record struct Admission(AdmissionRefusal Refusal, RateLimitLease? Permit, TimeSpan? RetryAfter)
{
    public bool IsAdmitted => Refusal == AdmissionRefusal.None;

    public static Admission Admitted(RateLimitLease? permit) => new(AdmissionRefusal.None, permit, null);

    public static Admission Refused(AdmissionRefusal refusal, TimeSpan? retryAfter) => new(refusal, null, retryAfter);

    /// <summary>Gives the session permit back, for a handshake admitted but never made into a session.</summary>
    public void Release() => Permit?.Dispose();
}
