using System.Diagnostics;

namespace Orders.LoadGen.Runner;

/// <summary>
/// The .NET runtime setting every process the benchmark pins to one core starts with, as `make run` starts the
/// service: on one CPU the runtime delays its tier-up tenfold (1 s, restarted by every method's first call), so the
/// JIT was still recompiling hot code 40 s into a run (README, Benchmarks, the tenth session). Node ignores it.
/// </summary>
internal static class PinnedRuntime
{
    public static void Apply(ProcessStartInfo info) => info.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
}
