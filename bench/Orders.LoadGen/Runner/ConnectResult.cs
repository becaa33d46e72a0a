namespace Orders.LoadGen.Runner;

/// <summary>One wave of connections: how many joined their room, were refused (connect_error) or failed, and how long it took.</summary>
internal readonly record struct ConnectResult(int Joined, int Rejected, int Failed, TimeSpan Elapsed);
