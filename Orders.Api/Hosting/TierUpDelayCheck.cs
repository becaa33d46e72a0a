namespace Orders.Api.Hosting;

// On one CPU (affinity, or a container limited to one) the runtime multiplies its tier-up delay by ten: the delay
// restarts whenever a method runs for the first time, so under load the JIT was still recompiling hot code 40 s
// after start, in bursts of 0.2-0.5 s of CPU that put latency spikes of 100-250 ms into the order events (README,
// Benchmarks, scenario 6). The knob exists only as an environment variable, so all the service can do is say so.
internal static partial class TierUpDelayCheck
{
    private const string Variable = "DOTNET_TC_CallCountingDelayMs";

    public static void Warn(ILogger logger) => Warn(logger, Environment.ProcessorCount, Environment.GetEnvironmentVariable);

    // The runtime's own view of the CPUs (affinity and container limits) and environment, passed in for the tests.
    internal static void Warn(ILogger logger, int processorCount, Func<string, string?> environment)
    {
        if (processorCount == 1 && !IsSet(Variable) && !IsSet("COMPlus_TC_CallCountingDelayMs"))
        {
            LogDelayedTierUp(logger, Variable);
        }

        bool IsSet(string name) => !string.IsNullOrEmpty(environment(name));
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "One CPU: the JIT's tier-up is delayed tenfold and latency stays uneven for a minute or more after start; set {Variable}=0 (make run does)")]
    private static partial void LogDelayedTierUp(ILogger logger, string variable);
}
