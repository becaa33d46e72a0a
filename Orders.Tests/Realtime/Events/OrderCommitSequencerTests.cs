using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orders.Realtime.Events;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Events;

// The line each order's saves stand in between COMMIT and queueing their events.
public sealed class OrderCommitSequencerTests
{
    private static readonly Guid X = Guid.NewGuid();
    private static readonly Guid Y = Guid.NewGuid();

    [Test]
    public async Task A_later_save_of_an_order_waits_until_the_earlier_one_leaves()
    {
        var sequencer = NewSequencer();
        var first = sequencer.Enter([X]);
        var second = sequencer.Enter([X]);

        await sequencer.WaitTurnAsync(first).AsTask().Within();
        var waiting = sequencer.WaitTurnAsync(second).AsTask();
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse();

        first.Dispose();
        await waiting.Within();
        second.Dispose();
        sequencer.ActiveOrders.Should().Be(0);
    }

    [Test]
    public async Task Saves_of_different_orders_do_not_wait_for_each_other()
    {
        var sequencer = NewSequencer();
        using var x = sequencer.Enter([X]);
        using var y = sequencer.Enter([Y]);

        await sequencer.WaitTurnAsync(y).AsTask().Within();
        await sequencer.WaitTurnAsync(x).AsTask().Within();
    }

    [Test]
    public async Task A_save_that_fails_before_its_turn_leaves_the_line_without_letting_later_ones_jump_ahead()
    {
        var sequencer = NewSequencer();
        var first = sequencer.Enter([X]);
        var failed = sequencer.Enter([X]);
        using var third = sequencer.Enter([X]);

        failed.Dispose();
        var waiting = sequencer.WaitTurnAsync(third).AsTask();
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse("the first save has not queued its events yet");

        first.Dispose();
        await waiting.Within();
    }

    [Test]
    public async Task A_save_of_two_orders_waits_for_both_lines()
    {
        var sequencer = NewSequencer();
        var x = sequencer.Enter([X]);
        var y = sequencer.Enter([Y]);
        using var both = sequencer.Enter([Y, X, X]);

        var waiting = sequencer.WaitTurnAsync(both).AsTask();
        x.Dispose();
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse("order Y's earlier save is still in line");

        y.Dispose();
        await waiting.Within();
    }

    [Test]
    public void The_synchronous_wait_returns_once_the_earlier_save_leaves()
    {
        var sequencer = NewSequencer();
        var first = sequencer.Enter([X]);
        using var second = sequencer.Enter([X]);

        var waiting = Task.Run(() => sequencer.WaitTurn(second));
        Thread.Sleep(50);
        waiting.IsCompleted.Should().BeFalse();

        first.Dispose();
        waiting.Wait(Bounded.Default).Should().BeTrue();
    }

    [Test]
    public async Task A_save_stuck_in_line_is_skipped_after_the_turn_timeout()
    {
        var clock = new FakeTimeProvider();
        var sequencer = NewSequencer(clock);
        var stuck = sequencer.Enter([X]);
        var next = sequencer.Enter([X]);

        var waiting = sequencer.WaitTurnAsync(next).AsTask();
        clock.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(50);
        waiting.IsCompleted.Should().BeFalse();

        clock.Advance(TimeSpan.FromSeconds(2));
        await waiting.Within();

        // The skipped save, if it was only slow, goes ahead too instead of waiting in a line it no longer stands in.
        await sequencer.WaitTurnAsync(stuck).AsTask().Within();
        next.Dispose();
        stuck.Dispose();
        sequencer.ActiveOrders.Should().Be(0);
    }

    private static OrderCommitSequencer NewSequencer(TimeProvider? time = null) =>
        new(Options.Create(new OrderEventsOptions { TurnTimeout = TimeSpan.FromSeconds(10) }), time ?? TimeProvider.System,
            NullLogger<OrderCommitSequencer>.Instance);
}
