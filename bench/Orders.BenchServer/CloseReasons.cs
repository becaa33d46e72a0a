using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Orders.BenchServer;

/// <summary>
/// Why sessions closed, counted from the protocol's own <c>engineio.closes</c> counter, so a benchmark run that loses
/// clients can say whether the server timed them out, dropped them as slow readers, or saw them go.
/// </summary>
internal sealed class CloseReasons : IDisposable
{
    // The protocol's meter and counter as documented in the README (design notes).
    private const string MeterName = "Orders.Protocol";
    private const string CounterName = "engineio.closes";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public CloseReasons()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == CounterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "reason" && tag.Value is string reason) _counts.AddOrUpdate(reason, value, (_, n) => n + value);
        }
    }
}
