using System.Diagnostics;
using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>User + system CPU time of a process, from /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcessCpu
{
    private static readonly long ClockTicksPerSecond = ReadClockTicks();

    public static TimeSpan Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero; // the process is gone
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
