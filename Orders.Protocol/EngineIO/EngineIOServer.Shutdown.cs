namespace Orders.Protocol.EngineIO;

/// <summary>Stopping: new sessions refused, open ones closed gracefully (queued frames first), the rest ended.</summary>
internal sealed partial class EngineIOServer
{
    private static readonly TimeSpan CloseCheckInterval = TimeSpan.FromMilliseconds(20);

    // Set when the host starts stopping: new sessions are refused while the open ones are still served (their polls,
    // their queued frames) until they are closed.
    private volatile bool _refusing;

    /// <summary>Refuses new sessions from now on (503); open sessions are served until they close.</summary>
    public void StopAccepting() => _refusing = true;

    /// <summary>
    /// Closes every open session the graceful way: what is queued for it is sent first, then its transport is closed
    /// (a WebSocket close frame, or a close packet answering the next poll), which a client takes as a lost
    /// connection and reconnects. Resolves once all are closed; when <paramref name="cancellationToken"/> fires first,
    /// the rest are ended at once.
    /// </summary>
    public async Task CloseAllAsync(CancellationToken cancellationToken)
    {
        StopAccepting();
        foreach (var (_, session) in _sessions) session.BeginGracefulClose(EngineCloseReason.ServerShuttingDown);
        try
        {
            while (!_sessions.IsEmpty) await Task.Delay(CloseCheckInterval, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var (_, session) in _sessions) session.Terminate(EngineCloseReason.ServerShuttingDown);
        }
    }

    /// <summary>Host stopped (or the endpoint disposed): the sessions still open are ended at once, then pending reads end.</summary>
    public void Dispose()
    {
        // Not disposed: transports still observe the token while they unwind.
        _stopping.Cancel();
        foreach (var (_, session) in _sessions) session.Terminate(EngineCloseReason.ServerShuttingDown);

        // The admission's timer would otherwise run on after the host (tests start hundreds); permits given back later are ignored.
        _admission.Dispose();
    }
}
