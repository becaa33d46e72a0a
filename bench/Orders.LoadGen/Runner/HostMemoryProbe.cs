using System.Diagnostics;

namespace Orders.LoadGen.Runner;

/// <summary>
/// The host's memory latency just before a run: nanoseconds per dependent load over a 16 MB random cycle, four times a
/// core's L2 here, so nearly every load leaves the core's caches. A calibration printed beside each figure, not a
/// result. On the shared VM this runs on, the fan-out of one build moved between 69k and 163k deliveries/s from run to
/// run while a pointer chase like this one read 86 to 172 ns; with the reading in each run's line, a swing can be told
/// apart from a regression. Measured from the generator's process (its core), between runs, when nothing else runs.
/// </summary>
internal sealed class HostMemoryProbe
{
    private const int Entries = 16 * 1024 * 1024 / sizeof(int);
    private const int Loads = 1_000_000;

    private readonly int[] _next;
    private int _sink;

    public HostMemoryProbe()
    {
        // Sattolo's shuffle of the identity makes one cycle through every entry: the chase never falls into a short
        // loop that the caches could hold. A fixed seed keeps the walk the same from run to run.
        _next = new int[Entries];
        for (var i = 0; i < Entries; i++) _next[i] = i;
        var random = new Random(20261202);
        for (var i = Entries - 1; i > 0; i--)
        {
            var j = random.Next(i);
            (_next[i], _next[j]) = (_next[j], _next[i]);
        }
    }

    /// <summary>Nanoseconds per load, each load's address given by the one before (so none overlap).</summary>
    public double NanosecondsPerLoad()
    {
        var next = _next;
        var at = _sink;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < Loads; i++) at = next[at];
        var elapsed = Stopwatch.GetElapsedTime(start);

        // Kept, so the loop has an observable result and is not removed.
        _sink = at;
        return elapsed.TotalNanoseconds / Loads;
    }
}
