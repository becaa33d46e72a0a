namespace Orders.Protocol.EngineIO;

/// <summary>
/// The heartbeat sweep of one engine: a <see cref="PeriodicTimer"/> pass that visits the sessions whose ping, pong,
/// upgrade or close deadline has come (<see cref="EngineSession.OnHeartbeat"/>) and files each again by its next one.
/// </summary>
internal sealed class HeartbeatSweep
{
    private readonly TimeProvider _time;
    private readonly EngineWrites _writes;
    private readonly CancellationToken _stopping;

    // Sessions by their next heartbeat deadline: a sweep pass visits only those whose slot has come, where it
    // visited every session (about 200 ns each: 4% of a core at 19k sessions whose deadlines are spread out).
    private readonly HeartbeatWheel<EngineSession> _wheel;

    // Fine-grained so that sessions opened together are not all pinged in one burst: with one pass a second, the 5k
    // sessions of a connect burst got their pings in the same pass, 5k sends in a row that held a broadcast running
    // at the same time for ~40 ms (its time to the last recipient doubled). At most 100 ms, a pass pings a tenth of
    // such a burst.
    private readonly TimeSpan _resolution;

    // horizonTicks: the furthest a deadline can lie ahead (the longest of the heartbeat timeouts). writes: how a pass's
    // pings are written, as one send to many. stopping: ends the sweep when the host stops.
    public HeartbeatSweep(EngineIOOptions options, TimeProvider time, long horizonTicks, EngineWrites writes, CancellationToken stopping)
    {
        _time = time;
        _writes = writes;
        _stopping = stopping;
        _resolution = TimeSpan.FromTicks(Math.Clamp(
            Math.Min(options.PingInterval.Ticks, options.PingTimeout.Ticks) / 200,
            TimeSpan.FromMilliseconds(10).Ticks,
            TimeSpan.FromMilliseconds(100).Ticks));
        _wheel = new HeartbeatWheel<EngineSession>((long)(_resolution.TotalSeconds * time.TimestampFrequency), horizonTicks, time.GetTimestamp());
    }

    /// <summary>Starts the passes; they run until <c>stopping</c> is cancelled.</summary>
    public void Start() => _ = SweepAsync();

    /// <summary>A session has something due at <paramref name="at"/>: a pass visits it no earlier (see <see cref="HeartbeatWheel{TSession}"/>).</summary>
    public void Schedule(EngineSession session, long at) => _wheel.Schedule(session, at);

    /// <summary>A closed session: no pass visits it again.</summary>
    public void Remove(EngineSession session) => _wheel.Remove(session);

    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(_resolution, _time);
        var due = new List<EngineSession>();
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping).ConfigureAwait(false))
            {
                var now = _time.GetTimestamp();
                _wheel.TakeDue(now, due);
                if (due.Count == 0) continue;

                // The pings of a pass go out in batches, like a broadcast's frames (through the pump, if there is one).
                var pass = _writes.BeginFanOut(many: true);
                try
                {
                    foreach (var session in due)
                    {
                        _wheel.Schedule(session, session.OnHeartbeat(now, pass));

                        // Closed meanwhile (its removal ran before this filing): taken out again, not held until its slot.
                        if (session.IsClosed) _wheel.Remove(session);
                    }
                }
                finally
                {
                    pass.Dispose();
                    due.Clear();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }
    }
}
