namespace Orders.LoadGen.Client;

/// <summary>What a worker records from each event's timestamp.</summary>
internal enum RecordMode
{
    None,
    Latency,
    Ttl,
}
