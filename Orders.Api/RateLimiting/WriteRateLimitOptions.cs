using Microsoft.Extensions.Options;

namespace Orders.Api.RateLimiting;

// RateLimits__Writes__Burst / __Refill / __RefillPeriod: a token bucket per authenticated user for POST, PATCH, PUT
// and DELETE.
// A person at a frontend makes a change every few seconds at most; the burst covers scripts and tabs doing a batch,
// the rate what one user may sustain. Reads are not limited.
internal sealed class WriteRateLimitOptions
{
    public const string Section = "RateLimits:Writes";

    // Writes a user may make at once (the bucket); 0 turns the limit off.
    public int Burst { get; set; } = 100;

    // Writes a user gets back every RefillPeriod (up to the burst): 10 a second by default.
    public int Refill { get; set; } = 10;

    public TimeSpan RefillPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public bool Enabled => Burst > 0;

    internal sealed class Validator : IValidateOptions<WriteRateLimitOptions>
    {
        public ValidateOptionsResult Validate(string? name, WriteRateLimitOptions options)
        {
            if (options.Burst < 0) return ValidateOptionsResult.Fail("RateLimits:Writes:Burst must be 0 (off) or positive.");
            if (options.Enabled && options.Refill < 1) return ValidateOptionsResult.Fail("RateLimits:Writes:Refill must be at least 1 while writes are limited.");
            if (options.Enabled && options.RefillPeriod < TimeSpan.FromMilliseconds(100)) return ValidateOptionsResult.Fail("RateLimits:Writes:RefillPeriod must be at least 100 ms.");
            return ValidateOptionsResult.Success;
        }
    }
}
