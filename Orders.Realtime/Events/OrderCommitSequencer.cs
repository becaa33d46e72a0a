using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orders.Realtime.Events;

// Keeps per-order commit order on the wire. A save takes a ticket for its orders just before the statement or COMMIT
// that makes it durable; after the commit it waits until every earlier ticket of those orders has queued its events
// (or given up), queues its own and leaves. Two saves of one order that both commit are serialised by the row and
// its version check, so the later one took its ticket after the earlier one committed: ticket order is commit order.
// Taking a ticket never blocks, and the wait comes only after COMMIT, when the transaction holds no row locks, so a
// save waiting its turn can never be what an earlier ticket is waiting for: no deadlock with the database's locks.
internal sealed partial class OrderCommitSequencer(IOptions<OrderEventsOptions> options, TimeProvider time, ILogger<OrderCommitSequencer> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, LinkedList<Ticket>> _lines = [];

    /// <summary>Orders with a ticket waiting or in flight; for tests.</summary>
    internal int ActiveOrders
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public Ticket Enter(IEnumerable<Guid> orderIds)
    {
        var ids = orderIds.Distinct().ToArray();
        var ticket = new Ticket(this, ids);
        lock (_gate)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                if (!_lines.TryGetValue(ids[i], out var line))
                {
                    line = new LinkedList<Ticket>();
                    _lines.Add(ids[i], line);
                }

                ticket.Places[i] = line.AddLast(ticket);
                if (line.First != ticket.Places[i])
                {
                    ticket.Ahead++;
                }
            }

            if (ticket.Ahead == 0)
            {
                ticket.Turn.TrySetResult();
            }
        }

        return ticket;
    }

    public async ValueTask WaitTurnAsync(Ticket ticket)
    {
        if (ticket.Turn.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await ticket.Turn.Task.WaitAsync(options.Value.TurnTimeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            SkipAhead(ticket);
        }
    }

    public void WaitTurn(Ticket ticket)
    {
        if (!ticket.Turn.Task.IsCompleted && !ticket.Turn.Task.Wait(options.Value.TurnTimeout))
        {
            SkipAhead(ticket);
        }
    }

    private void Leave(Ticket ticket)
    {
        lock (_gate)
        {
            for (var i = 0; i < ticket.Places.Length; i++)
            {
                if (ticket.Places[i] is not { List: { } line } place)
                {
                    continue;
                }

                var wasFirst = line.First == place;
                line.Remove(place);
                if (line.Count == 0)
                {
                    _lines.Remove(ticket.OrderIds[i]);
                }
                else if (wasFirst && --line.First!.Value.Ahead == 0)
                {
                    // Continuations run asynchronously (see Ticket), never under this lock.
                    line.First.Value.Turn.TrySetResult();
                }
            }
        }

        // A ticket skipped by a later one may still be waiting: it has no line left to wait in.
        ticket.Turn.TrySetResult();
    }

    // An earlier ticket that neither published nor left within the timeout belongs to a save that ended without
    // telling the interceptor. Waiting longer would hold back every later event of those orders; late events are
    // better than none, so the stuck tickets lose their place.
    private void SkipAhead(Ticket ticket)
    {
        List<Ticket> stuck = [];
        lock (_gate)
        {
            foreach (var place in ticket.Places)
            {
                for (var node = place?.List?.First; node is not null && node != place; node = node.Next)
                {
                    stuck.Add(node.Value);
                }
            }
        }

        foreach (var other in stuck.Distinct())
        {
            LogSkipped(logger, other.OrderIds[0], options.Value.TurnTimeout);
            other.Dispose();
        }
    }

    /// <summary>A place in line for each order of one save; disposing it leaves every line, whether or not its turn came.</summary>
    internal sealed class Ticket(OrderCommitSequencer owner, Guid[] orderIds) : IDisposable
    {
        private int _left;

        public Guid[] OrderIds { get; } = orderIds;

        public LinkedListNode<Ticket>?[] Places { get; } = new LinkedListNode<Ticket>?[orderIds.Length];

        // Lines in which an earlier ticket still stands; guarded by the sequencer's lock.
        public int Ahead { get; set; }

        public TaskCompletionSource Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                owner.Leave(this);
            }
        }
    }
}
