namespace Orders.LoadGen.Runner;

/// <summary>Our server's managed memory work so far (Node's reference has no such figures): what a scenario's deltas are read from.</summary>
internal readonly record struct ServerGcStats(long Allocated, int Gen0, int Gen1, int Gen2, double PauseMs)
{
    public ServerGcStats Since(ServerGcStats before) =>
        new(Allocated - before.Allocated, Gen0 - before.Gen0, Gen1 - before.Gen1, Gen2 - before.Gen2, PauseMs - before.PauseMs);
}
