namespace Orders.LoadGen.Runner;

/// <summary>One scenario against one server, one repetition.</summary>
internal sealed class RunResult(string scenario, string server, int repetition)
{
    public string Scenario { get; } = scenario;
    public string Server { get; } = server;
    public int Repetition { get; } = repetition;
    public Dictionary<string, double> Metrics { get; } = [];

    /// <summary>Every sample behind a percentile (broadcast: each broadcast's time to its last recipient), in order, for the JSON: a tail reads better from its samples than from two percentiles.</summary>
    public Dictionary<string, double[]> Samples { get; } = [];

    /// <summary>Share of its core the server used during the measured phase (1.0 = saturated).</summary>
    public double? ServerCpu { get; set; }

    /// <summary>
    /// Share of the measured phase the server's core was not idle: the server's own time plus softirq work on its
    /// core that the process's time does not cover. What tells a saturated server.
    /// </summary>
    public double? ServerCoreBusy { get; set; }

    /// <summary>Share of the server core's time in softirq (mostly loopback receive work of what the server sent).</summary>
    public double? ServerCoreSoftIrq { get; set; }

    /// <summary>Share of one core the whole generator (workers + coordinator) used during the measured phase.</summary>
    public double? GeneratorCpu { get; set; }

    /// <summary>The server's core was under 95% busy, so the figure measures the generator, not the server.</summary>
    public bool GeneratorBound { get; set; }

    /// <summary>The offered rate was not kept (the orders scenario): the figures are real but measure a backlog, not the target load.</summary>
    public string? RateNotKept { get; set; }

    /// <summary>What broke (deliveries missing, clients refused, server died): a broken run fails the benchmark.</summary>
    public List<string> Problems { get; } = [];

    public void Check(bool condition, string problem)
    {
        if (!condition) Problems.Add(problem);
    }
}
