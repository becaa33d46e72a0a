using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Tests.Protocol.SocketIO.Recovery;

// The in-memory store with a gate on reads of missed events: once armed, a read after the given number waits until
// released (once per store), so a test can hold a recovery in the middle of its replay (after the CONNECT answer) as a slow database would.
internal sealed class GatedStore(InMemoryConnectionStateStore inner) : IConnectionStateStore
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _armed;
    private int _passes;

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets <paramref name="passes"/> reads through, then holds the next one until <see cref="Release"/>.</summary>
    public void HoldAfter(int passes)
    {
        _passes = passes;
        _armed = true;
    }

    public void Release() => _released.TrySetResult();

    public long? Append(string @namespace, string eventName, ReadOnlySpan<object?> args, IReadOnlyList<string> rooms, IReadOnlyList<string> except) =>
        inner.Append(@namespace, eventName, args, rooms, except);

    public ValueTask SaveSessionAsync(RecoverableSession session, CancellationToken cancellationToken) => inner.SaveSessionAsync(session, cancellationToken);

    public ValueTask RemoveSessionAsync(string pid, CancellationToken cancellationToken) => inner.RemoveSessionAsync(pid, cancellationToken);

    public ValueTask<RecoverableSession?> FindSessionAsync(string pid, CancellationToken cancellationToken) => inner.FindSessionAsync(pid, cancellationToken);

    public async ValueTask<IReadOnlyList<MissedEvent>?> ReadMissedAsync(
        string @namespace, IReadOnlyCollection<string> rooms, long afterOffset, CancellationToken cancellationToken)
    {
        if (_armed && Interlocked.Decrement(ref _passes) < 0)
        {
            _armed = false;
            Reached.TrySetResult();
            await _released.Task.ConfigureAwait(false);
        }

        return await inner.ReadMissedAsync(@namespace, rooms, afterOffset, cancellationToken).ConfigureAwait(false);
    }
}
