using Microsoft.Extensions.Options;

namespace Orders.Api.RateLimiting;

// RateLimits__Writes__Burst / __PerSecond: a token bucket per authenticated user for POST, PATCH, PUT and DELETE.
// A person at a frontend makes a change every few seconds at most; the burst covers scripts and tabs doing a batch,
// the rate what one user may sustain. Reads are not limited.
internal sealed class WriteRateLimitOptions
{
    public const string Section = "RateLimits:Writes";

    // Writes a user may make at once (the bucket); 0 turns the limit off.
    public int Burst { get; set; } = 100;

    // Writes per second a user gets back once the burst is spent.
    public int PerSecond { get; set; } = 10;

    public bool Enabled => Burst > 0;

    internal sealed class Validator : IValidateOptions<WriteRateLimitOptions>
    {
        public ValidateOptionsResult Validate(string? name, WriteRateLimitOptions options)
        {
            if (options.Burst < 0) return ValidateOptionsResult.Fail("RateLimits:Writes:Burst must be 0 (off) or positive.");
            if (options.Enabled && options.PerSecond < 1) return ValidateOptionsResult.Fail("RateLimits:Writes:PerSecond must be at least 1 while writes are limited.");
            return ValidateOptionsResult.Success;
        }
    }
}
