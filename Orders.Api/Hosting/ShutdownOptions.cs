using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

// Shutdown__Timeout: how long a stopping node (SIGTERM) may take, all of it; the host's own ShutdownTimeout is set to it.
internal sealed class ShutdownOptions
{
    /// <summary>
    /// The whole shutdown: in-flight requests finishing, committed events sent, sockets closed, then the host's own
    /// stop. The first part may take all but a reserve (a third, at most 5 s) kept for the rest. Default 15 seconds.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long in-flight requests and the sockets' last frames may take before the host's own stop.</summary>
    public TimeSpan DrainTimeout => Timeout - TimeSpan.FromTicks(Math.Min(Timeout.Ticks / 3, TimeSpan.FromSeconds(5).Ticks));

    internal sealed class Validator : IValidateOptions<ShutdownOptions>
    {
        public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
            options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromMinutes(10)
                ? ValidateOptionsResult.Fail("Shutdown:Timeout must be between 1 second and 10 minutes.")
                : ValidateOptionsResult.Success;
    }
}
