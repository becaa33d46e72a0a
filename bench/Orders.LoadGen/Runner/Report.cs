using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orders.LoadGen.Runner;

/// <summary>The table (medians, ours/Node, the issue's target) and the JSON written under bench/results/.</summary>
internal static class Report
{
    /// <summary>The figures of the table: scenario, metric, whether higher is better, and the target on ours/Node.</summary>
    private static readonly (string Scenario, string Metric, bool HigherIsBetter, string Target)[] Rows =
    [
        ("memory", "bytes_per_idle_socket", false, "<= 0.75"),
        ("memory", "heap_bytes_per_idle_socket", false, ""),
        ("memory", "rss_mib_at_max", false, ""),
        ("memory", "sockets_held", true, "all held"),
        ("memory", "pings_per_socket_in_hold", true, ""),
        ("storm", "connects_per_s", true, ">= 4"),
        ("storm", "cold_connects_per_s", true, ""),
        ("storm", "storm_seconds", false, ""),
        ("storm", "server_cpu_us_per_connect", false, ""),
        ("storm", "server_alloc_bytes_per_connect", false, ""),
        ("storm", "server_gc_pause_us_per_connect", false, ""),
        ("storm", "generator_core_us_per_connect", false, ""),
        ("storm", "generator_ceiling_connects_per_s", true, ""),
        ("storm", "host_load_ns", false, ""),
        ("fanout", "deliveries_per_s", true, ">= 3"),
        ("fanout", "server_cpu_us_per_delivery", false, ""),
        ("fanout", "generator_cpu_us_per_delivery", false, ""),
        ("fanout", "server_alloc_bytes_per_delivery", false, ""),
        ("fanout", "server_gc_pause_us_per_delivery", false, ""),
        ("fanout", "host_load_ns", false, ""),
        ("broadcast", "deliveries_per_s", true, ">= 2.5"),
        ("broadcast", "server_cpu_us_per_delivery", false, ""),
        ("broadcast", "generator_cpu_us_per_delivery", false, ""),
        ("broadcast", "server_alloc_bytes_per_delivery", false, ""),
        ("broadcast", "last_recipient_p50_ms", false, ""),
        ("broadcast", "last_recipient_p99_ms", false, "<= 0.5"),
        ("broadcast", "host_load_ns", false, ""),
        ("latency", "p50_ms", false, ""),
        ("latency", "p99_ms", false, "<= 1"),
        ("latency", "p999_ms", false, ""),
        ("latency", "server_gen1_gcs", false, ""),
        ("latency", "server_gc_pause_ms", false, ""),
        ("orders", "changes_per_s", true, ""),
        ("orders", "p50_ms", false, ""),
        ("orders", "p99_ms", false, "< 50 ms"),
        ("orders", "http_p50_ms", false, ""),
        ("orders", "http_p99_ms", false, ""),
        ("orders", "event_before_response_share", false, ""),
        ("orders", "api_cpu_us_per_change", false, ""),
        ("orders", "pg_cpu_us_per_change", false, ""),
        ("orders", "drain_s", false, ""),
        ("orders", "lock_waiters_avg", false, ""),
        ("orders", "lock_holder_idle_share", false, ""),
        ("outbox", "update_p50_ms", false, ""),
        ("outbox", "update_p99_ms", false, ""),
        ("outbox", "outbox_p50_ms", false, ""),
        ("outbox", "outbox_p99_ms", false, ""),
        ("outbox", "outbox_over_update_p50", false, "<= 1.2"),
        ("outbox", "outbox_over_update_p99", false, "<= 1.2"),
        ("outbox", "one_trip_over_update_p50", false, ""),
        ("outbox", "one_trip_silent_over_update_p50", false, ""),
        ("outbox", "row_alone_over_update_p50", false, ""),
        ("outbox", "lock_window_p50_ms", false, ""),
        ("outbox", "lock_window_p99_ms", false, ""),
        ("outbox", "lock_ceiling_per_s", true, ""),
        ("outbox", "patch_p50_ms", false, ""),
        ("outbox", "patch_p99_ms", false, ""),
        ("outbox", "row_share_of_patch_p50", false, ""),
        ("outbox", "payload_bytes", false, ""),
        ("nodes", "changes_per_s", true, ""),
        ("nodes", "p50_ms", false, ""),
        ("nodes", "p99_ms", false, "< 50 ms"),
        ("nodes", "http_p99_ms", false, ""),
        ("nodes", "api_cpu_us_per_change", false, ""),
        ("nodes", "pg_cpu_us_per_change", false, ""),
        ("nodes-writes", "one_node_changes_per_s", true, ""),
        ("nodes-writes", "two_nodes_changes_per_s", true, ""),
        ("nodes-writes", "two_over_one", true, ">= 0.8"),
        ("nodes-writes", "one_node_api_cpu_us_per_change", false, ""),
        ("nodes-writes", "two_nodes_api_cpu_us_per_change", false, ""),
        ("nodes-writes", "one_node_pg_cpu_us_per_change", false, ""),
        ("nodes-writes", "two_nodes_pg_cpu_us_per_change", false, ""),
        ("nodes-sockets", "sockets_held", true, "2 x 19k"),
        ("nodes-sockets", "node1_pings_per_socket", true, ""),
        ("nodes-sockets", "node2_pings_per_socket", true, ""),
        ("nodes-sockets", "node1_rss_mib", false, ""),
        ("nodes-sockets", "node2_rss_mib", false, ""),
        ("nodes-sockets", "node1_connects_per_s", true, ""),
        ("nodes-sockets", "node2_connects_per_s", true, ""),
        ("slow-reader", "p99_ms_all_reading", false, ""),
        ("slow-reader", "p99_ms_stream_to_a_reader", false, ""),
        ("slow-reader", "p99_ms_one_stalled", false, ""),
        ("slow-reader", "p99_stalled_over_stream_to_a_reader", false, "flat"),
        ("slow-reader", "p99_stalled_over_reading", false, ""),
        ("slow-reader", "seconds_to_drop", false, ""),
        ("slow-reader", "rss_mib_before", false, ""),
        ("slow-reader", "rss_mib_peak", false, "flat"),
        ("slow-reader", "rss_mib_after", false, ""),
        ("recovery", "connect_answer_ms", false, ""),
        ("recovery", "replay_ms", false, "< 100 ms"),
        ("recovery", "replay_max_ms", false, ""),
        ("recovery", "replayed_events", true, ""),
    ];

    public static string Line(RunResult r, TimeSpan took)
    {
        var metrics = string.Join(", ", r.Metrics.Select(m => $"{m.Key}={Format(m.Value)}"));
        var cpu = r.ServerCpu is { } c ? $" server-cpu={c:P0}" : "";
        if (r.ServerCoreBusy is { } busy) cpu += $" server-core-busy={busy:P0} (softirq {r.ServerCoreSoftIrq:P0})";
        if (r.GeneratorCpu is { } g) cpu += $" generator-cpu={g:P0}";
        var flag = r.GeneratorBound ? " GENERATOR-BOUND" : "";
        if (r.RateNotKept is { } why) flag += $" RATE-NOT-KEPT ({why})";
        var broken = r.Problems.Count > 0 ? " BROKEN: " + string.Join("; ", r.Problems) : "";
        return $"  [{r.Repetition}] {r.Scenario,-9} {r.Server,-4} {took.TotalSeconds,5:F1} s  {metrics}{cpu}{flag}{broken}";
    }

    public static string Table(BenchSettings settings, List<RunResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"scenario",-13} {"metric",-32} {"ours",12} {"node",12} {"ours/node",10} {"target",9}  notes");
        foreach (var (scenario, metric, _, target) in Rows)
        {
            if (!settings.Scenarios.Contains(scenario)) continue;
            var ours = Median(results, scenario, "ours", metric);
            var node = Median(results, scenario, "node", metric);
            var ratio = ours is { } o && node is { } n && n != 0 ? o / n : (double?)null;
            var notes = new List<string>();
            foreach (var server in new[] { "ours", "node" })
            {
                var runs = results.Where(r => r.Scenario == scenario && r.Server == server).ToList();
                if (runs.Any(r => r.GeneratorBound)) notes.Add($"{server}: generator-bound in {runs.Count(r => r.GeneratorBound)}/{runs.Count} (server core busy {string.Join("/", runs.Select(r => Percent(r.ServerCoreBusy ?? r.ServerCpu)))}, generator {string.Join("/", runs.Select(r => Percent(r.GeneratorCpu)))}), not a result");
                if (runs.Any(r => r.RateNotKept is not null)) notes.Add($"{server}: rate not kept in {runs.Count(r => r.RateNotKept is not null)}/{runs.Count}, times include the backlog, not a result");
                if (runs.Any(r => r.Problems.Count > 0)) notes.Add($"{server}: BROKEN");
            }

            // The same figure with no server at all: what the kernel alone takes on this machine, beside Node's.
            if (scenario == "broadcast" && metric.StartsWith("last_recipient_", StringComparison.Ordinal) && Median(results, "floor", "floor", metric) is { } floor)
            {
                var share = node is { } nodeMs && nodeMs > 0 ? $" = {(floor / nodeMs).ToString("F2", CultureInfo.InvariantCulture)} x node" : "";
                notes.Add($"kernel floor (no server, see floor) {Format(floor)} ms{share}");
            }

            if (scenario == "storm" && metric == "connects_per_s" && Ceiling(results) is { } ceiling && node is { } nodeRate && nodeRate > 0)
            {
                notes.Add($"the generator's core tops out near {Format(ceiling)}/s, so no ratio above ~{(ceiling / nodeRate).ToString("F1", CultureInfo.InvariantCulture)} can be shown on this machine");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"{scenario,-13} {metric,-32} {Format(ours),12} {Format(node),12} {(ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-"),10} {target,9}  {string.Join("; ", notes)}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"medians of {settings.Repetitions} repetition(s); ratio = ours/node (see target for which way is better); 'generator-bound' = the server's core was under 95% busy.");
        if (settings.Repetitions > 1 && settings.Scenarios.Any(s => s is "outbox" or "recovery" or "nodes-writes" or "nodes-sockets")) sb.Append(" outbox, recovery, nodes-writes and nodes-sockets run in the first repetition only.");
        return sb.ToString();
    }

    public static async Task<string> WriteJsonAsync(BenchSettings settings, List<RunResult> results, DateTimeOffset started)
    {
        var dir = Path.Combine(settings.Root, settings.ResultsDir);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"bench-{(settings.Smoke ? "smoke-" : "")}{started:yyyyMMdd-HHmmss}.json");
        var medians = Rows.Where(row => settings.Scenarios.Contains(row.Scenario)).Select(row => new
        {
            scenario = row.Scenario,
            metric = row.Metric,
            ours = Median(results, row.Scenario, "ours", row.Metric),
            node = Median(results, row.Scenario, "node", row.Metric),
            floor = row.Scenario == "broadcast" ? Median(results, "floor", "floor", row.Metric) : null,
            target = row.Target,
        });
        var doc = new
        {
            started,
            smoke = settings.Smoke,
            commit = GitCommit(settings.Root),
            machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
            settings,
            medians,
            runs = results.Select(r => new { r.Scenario, r.Server, r.Repetition, r.Metrics, r.Samples, r.ServerCpu, r.ServerCoreBusy, r.ServerCoreSoftIrq, r.GeneratorCpu, r.GeneratorBound, r.RateNotKept, r.Problems }),
        };
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, doc, new JsonSerializerOptions { WriteIndented = true }).ConfigureAwait(false);
        return path;
    }

    /// <summary>Which code was measured, so figures can be compared across commits.</summary>
    private static string? GitCommit(string root)
    {
        try
        {
            using var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", root, "describe", "--always", "--dirty"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var text = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static double? Median(List<RunResult> results, string scenario, string server, string metric)
    {
        var values = results
            .Where(r => r.Scenario == scenario && r.Server == server && r.Problems.Count == 0 && r.Metrics.ContainsKey(metric))
            .Select(r => r.Metrics[metric]).Order().ToList();
        if (values.Count == 0) return null;
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>The highest storm rate the generator's core reached the ceiling of in any run, ours or Node's.</summary>
    private static double? Ceiling(List<RunResult> results) => results
        .Where(r => r.Scenario == "storm" && r.Problems.Count == 0 && r.Metrics.ContainsKey("generator_ceiling_connects_per_s"))
        .Select(r => (double?)r.Metrics["generator_ceiling_connects_per_s"])
        .Max();

    private static string Percent(double? v) => v?.ToString("P0", CultureInfo.InvariantCulture) ?? "?";

    private static string Format(double? v) => v switch
    {
        null => "-",
        >= 1000 => v.Value.ToString("N0", CultureInfo.InvariantCulture),
        _ => v.Value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
