using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>
/// One core's time counters from /proc/stat (clock ticks). A process's own CPU time does not cover all the softirq
/// work on its core (the loopback receive work of every frame the server sends, up to a third of the server core at
/// full load; part of it runs in ksoftirqd or is not charged to the process): servers at 92-94% of process time sat on
/// cores 99-100% busy. Whether the server saturated its core is therefore read from the core, which nothing else is
/// pinned to.
/// </summary>
internal readonly record struct CoreTimes(long Total, long Idle, long SoftIrq)
{
    /// <summary>The counters of <paramref name="core"/> ("0"), or null when it is not a single core or /proc/stat is unreadable.</summary>
    public static CoreTimes? Read(string core)
    {
        if (!int.TryParse(core, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
        try
        {
            var prefix = $"cpu{n} ";
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is null) return null;

            // user nice system idle iowait irq softirq steal ...
            var f = line[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return new CoreTimes(f.Take(8).Sum(), f[3] + f[4], f[6]);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Share of the time between <paramref name="earlier"/> and this sample the core was busy, and spent in softirq.</summary>
    public (double Busy, double SoftIrq) Since(CoreTimes earlier)
    {
        var total = Math.Max(1, Total - earlier.Total);
        return (1 - (double)(Idle - earlier.Idle) / total, (double)(SoftIrq - earlier.SoftIrq) / total);
    }
}
