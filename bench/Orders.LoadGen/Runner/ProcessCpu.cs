using System.Diagnostics;
using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>User + system CPU time of processes, from /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcessCpu
{
    private static readonly long ClockTicksPerSecond = ReadClockTicks();

    public static TimeSpan Read(int pid) => Stat(pid) is { } s ? s.Cpu : TimeSpan.Zero;

    /// <summary>
    /// A process and its direct children (PostgreSQL's postmaster and its backends): live children's time is not in
    /// the parent's, so each is read.
    /// </summary>
    public static TimeSpan ReadWithChildren(int pid)
    {
        var total = Read(pid);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && Stat(child) is { } s && s.Parent == pid)
            {
                total += s.Cpu;
            }
        }

        return total;
    }

    private static (int Parent, TimeSpan Cpu)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // the process is gone
        }
    }

    private static long ReadClockTicks()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return long.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100;
        }
    }
}
