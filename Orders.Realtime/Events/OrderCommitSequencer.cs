namespace Orders.Realtime.Events;

// Keeps per-order commit order on the wire: a commit that touched an order holds that order's stripe from just
// before COMMIT until its events are queued, so a later commit of the same order queues after it. Held only
// around COMMIT, which never waits on other transactions' row locks, so it cannot deadlock with them.
internal sealed class OrderCommitSequencer
{
    private const int StripeCount = 64;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, StripeCount).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public Lease Acquire(IEnumerable<Guid> orderIds)
    {
        var stripes = StripesFor(orderIds);
        foreach (var stripe in stripes)
        {
            _stripes[stripe].Wait();
        }

        return new Lease(this, stripes);
    }

    public async ValueTask<Lease> AcquireAsync(IEnumerable<Guid> orderIds, CancellationToken cancellationToken)
    {
        var stripes = StripesFor(orderIds);
        var taken = 0;
        try
        {
            for (; taken < stripes.Length; taken++)
            {
                await _stripes[stripes[taken]].WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            for (var i = 0; i < taken; i++)
            {
                _stripes[stripes[i]].Release();
            }

            throw;
        }

        return new Lease(this, stripes);
    }

    // Sorted so two commits touching the same orders always lock in the same order.
    private static int[] StripesFor(IEnumerable<Guid> orderIds) =>
        orderIds.Select(id => (id.GetHashCode() & int.MaxValue) % StripeCount).Distinct().Order().ToArray();

    internal sealed class Lease(OrderCommitSequencer owner, int[] stripes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                foreach (var stripe in stripes)
                {
                    owner._stripes[stripe].Release();
                }
            }
        }
    }
}
