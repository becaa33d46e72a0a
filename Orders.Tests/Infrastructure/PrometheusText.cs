using System.Globalization;

namespace Orders.Tests.Infrastructure;

// Reads sample values out of a Prometheus text exposition.
internal static class PrometheusText
{
    // Sum of every sample of `metric` whose labels contain all of `labels` (e.g. reason="missing_token").
    public static double Sum(string exposition, string metric, params string[] labels) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : metric.Length)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
}
