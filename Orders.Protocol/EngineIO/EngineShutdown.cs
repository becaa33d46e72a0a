using System.Collections.Concurrent;

namespace Orders.Protocol.EngineIO;

/// <summary>Stopping an engine: new sessions refused, open ones closed gracefully (queued frames first), the rest ended.</summary>
internal sealed class EngineShutdown
{
    private static readonly TimeSpan CloseCheckInterval = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, EngineSession> _sessions;
    private readonly TimeProvider _time;

    // Set when the host starts stopping: new sessions are refused while the open ones are still served (their polls,
    // their queued frames) until they are closed.
    private volatile bool _refusing;

    // sessions: the engine's own map, read here.
    public EngineShutdown(ConcurrentDictionary<string, EngineSession> sessions, TimeProvider time)
    {
        _sessions = sessions;
        _time = time;
    }

    /// <summary>New sessions are refused (503); open sessions are served until they close.</summary>
    public bool IsRefusing => _refusing;

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
            TerminateAll();
        }
    }

    /// <summary>Ends every session still open at once.</summary>
    public void TerminateAll()
    {
        foreach (var (_, session) in _sessions) session.Terminate(EngineCloseReason.ServerShuttingDown);
    }
}
