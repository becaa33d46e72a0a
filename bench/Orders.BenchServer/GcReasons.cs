using System.Globalization;
using System.Diagnostics.Tracing;

namespace Orders.BenchServer;

/// <summary>
/// Why each garbage collection happened and what it chose, from the runtime's own GC events, written beside
/// <see cref="GcLog"/>'s lines: the trigger (allocation, induced...), blocking or background, and the condemn and
/// compaction reasons the collector recorded. The counters only say a gen2 compacted; these say why it was not a
/// background one.
/// </summary>
internal sealed class GcReasons : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    // gc_reason in the runtime's gc.h, as GCStart reports it.
    private static readonly string[] Triggers =
    [
        "alloc_soh", "induced", "lowmemory", "empty", "alloc_loh", "oos_soh", "oos_loh", "induced_noforce", "gcstress",
        "lowmemory_blocking", "induced_compacting", "lowmemory_host", "pm_full_gc", "lowmemory_host_blocking",
        "bgc_tuning_soh", "bgc_tuning_loh", "bgc_stepping", "induced_aggressive",
    ];

    // gc_condemn_reason_condition in the runtime's gcrecord.h: one bit each in CondemnReasons1.
    private static readonly string[] Conditions =
    [
        "induced_fullgc", "expand_fullgc", "high_mem", "very_high_mem", "low_ephemeral", "low_card", "eph_high_frag",
        "max_high_frag", "max_high_frag_e", "max_high_frag_m", "max_high_frag_vm", "max_gen1", "before_oom",
        "gen2_too_small", "induced_noforce", "before_bgc", "almost_max_alloc", "joined_avoid_unproductive",
        "joined_pm_induced_fullgc", "joined_pm_alloc_loh", "joined_limit_before_oom", "joined_limit_loh_frag",
        "joined_limit_loh_reclaim", "joined_servo_initial", "joined_servo_postpone", "joined_stress_mix", "joined_stress",
    ];

    private readonly StreamWriter _writer;
    private readonly Lock _gate;

    // The runtime may report events before the constructor's body runs (EventListener's base constructor calls
    // OnEventSourceCreated), so events are only written once the writer is there.
    public GcReasons(StreamWriter writer, Lock gate)
    {
        _gate = gate;
        _writer = writer;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        var line = e.EventName switch
        {
            "GCStart_V2" => FormattableString.Invariant(
                $"  start #{Get(e, "Count")} gen{Get(e, "Depth")} trigger={Name(Triggers, Get(e, "Reason"))} type={Get(e, "Type") switch { 0 => "blocking", 1 => "background", 2 => "foreground", var t => t.ToString(CultureInfo.InvariantCulture) }}"),
            "GCPerHeapHistory_V3" => FormattableString.Invariant(
                $"  heap condemn_gens=0x{Get(e, "CondemnReasons0"):x} conditions=[{Bits(Conditions, Get(e, "CondemnReasons1"))}] compact=0x{Get(e, "CompactMechanisms"):x} expand=0x{Get(e, "ExpandMechanisms"):x}"),
            "GCGlobalHeapHistory_V4" or "GCGlobalHeapHistory_V3" or "GCGlobalHeapHistory_V2" => FormattableString.Invariant(
                $"  global condemned=gen{Get(e, "CondemnedGeneration")} mechanisms=0x{Get(e, "GlobalMechanisms"):x} pause_mode={Get(e, "PauseMode")}"),
            _ => null,
        };
        if (line is null || _writer is null) return;
        lock (_gate) _writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff}{line}");
    }

    private static long Get(EventWrittenEventArgs e, string name)
    {
        var index = e.PayloadNames?.IndexOf(name) ?? -1;
        return index < 0 || e.Payload?[index] is not { } value ? -1 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    private static string Name(string[] names, long value) => value >= 0 && value < names.Length ? names[value] : value.ToString(CultureInfo.InvariantCulture);

    private static string Bits(string[] names, long value) =>
        string.Join(',', Enumerable.Range(0, 32).Where(bit => (value & (1L << bit)) != 0).Select(bit => bit < names.Length ? names[bit] : bit.ToString(CultureInfo.InvariantCulture)));
}
