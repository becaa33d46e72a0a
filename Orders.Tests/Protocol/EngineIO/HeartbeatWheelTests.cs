using Orders.Protocol.EngineIO;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>
/// The heartbeat sweep's timing wheel on its own: a pass takes exactly the sessions whose deadline has passed (rounded
/// up to the end of a 100-tick slot here), each once, and never one that is not due.
/// </summary>
public sealed class HeartbeatWheelTests
{
    private const long Slot = 100;

    [Test]
    public void A_session_is_taken_by_the_first_pass_after_its_deadline_and_not_before()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 10_000, now: 1_000);
        var entry = new Entry();
        wheel.Schedule(entry, 1_250);

        Take(wheel, 1_250).Should().BeEmpty("the deadline is rounded up to the end of its slot, 1,300");
        Take(wheel, 1_299).Should().BeEmpty();
        Take(wheel, 1_300).Should().Equal(entry);
        Take(wheel, 5_000).Should().BeEmpty("a session taken is no longer filed");
        entry.WheelSlot.Should().Be(IHeartbeatFiled.NotFiled);
        wheel.Count.Should().Be(0);
    }

    [Test]
    public void An_earlier_deadline_moves_a_session_and_a_later_one_leaves_it_where_it_is()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 10_000, now: 0);
        var (moved, kept) = (new Entry(), new Entry());
        wheel.Schedule(moved, 5_000);
        wheel.Schedule(moved, 2_000);
        wheel.Schedule(kept, 2_000);
        wheel.Schedule(kept, 5_000);

        wheel.Count.Should().Be(2, "a session is filed once, whatever it is told");
        Take(wheel, 2_000).Should().BeEquivalentTo([moved, kept], "the later deadline is found when the earlier slot's visit files it again");
        Take(wheel, 9_000).Should().BeEmpty();
    }

    [Test]
    public void A_deadline_already_past_is_taken_by_the_next_pass()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 10_000, now: 0);
        Take(wheel, 3_000).Should().BeEmpty();
        var late = new Entry();
        wheel.Schedule(late, 1_000);

        Take(wheel, 3_000).Should().BeEmpty("slot 30 has been swept; the next pass is at slot 31");
        Take(wheel, 3_100).Should().Equal(late);
    }

    [Test]
    public void A_deadline_more_than_a_revolution_ahead_waits_for_its_own_revolution()
    {
        // The horizon of 1,000 ticks makes the smallest wheel: 64 slots, 6,400 ticks a revolution.
        var wheel = new HeartbeatWheel<Entry>(Slot, 1_000, now: 0);
        var (near, far) = (new Entry(), new Entry());
        wheel.Schedule(near, 1_000);
        wheel.Schedule(far, 1_000 + 64 * Slot * 3);

        Take(wheel, 1_000).Should().Equal(near);
        for (var now = 1_000L + Slot; now < 1_000 + 64 * Slot * 3; now += Slot) Take(wheel, now).Should().BeEmpty();
        Take(wheel, 1_000 + 64 * Slot * 3).Should().Equal(far);
    }

    [Test]
    public void A_jump_of_many_revolutions_takes_everything_due_once()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 1_000, now: 0);
        var entries = Enumerable.Range(1, 500).Select(_ => new Entry()).ToList();
        for (var i = 0; i < entries.Count; i++) wheel.Schedule(entries[i], i * 37L);
        var notDue = new Entry();
        wheel.Schedule(notDue, 1_000_000);

        Take(wheel, 999_000).Should().BeEquivalentTo(entries).And.OnlyHaveUniqueItems();
        wheel.Count.Should().Be(1);
        Take(wheel, 1_000_000).Should().Equal(notDue);
    }

    [Test]
    public void A_removed_session_is_never_taken_and_the_others_in_its_slot_still_are()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 10_000, now: 0);
        var entries = Enumerable.Range(0, 5).Select(_ => new Entry()).ToList();
        foreach (var e in entries) wheel.Schedule(e, 500);
        wheel.Remove(entries[1]);
        wheel.Remove(entries[4]);
        wheel.Remove(entries[4]);

        Take(wheel, 500).Should().BeEquivalentTo([entries[0], entries[2], entries[3]]);
        wheel.Count.Should().Be(0);
    }

    [Test]
    public void A_pass_takes_only_the_sessions_due_whatever_the_number_filed()
    {
        // The reason for the wheel: 19k sessions whose deadlines are spread over 25 s, a pass every 100 ms.
        var wheel = new HeartbeatWheel<Entry>(Slot, 25_000, now: 0);
        var entries = Enumerable.Range(0, 19_000).Select(_ => new Entry()).ToList();
        for (var i = 0; i < entries.Count; i++) wheel.Schedule(entries[i], 1 + i * 25_000L / entries.Count);

        var taken = new List<Entry>();
        for (var now = Slot; now <= 25_000; now += Slot)
        {
            var pass = Take(wheel, now);
            pass.Count.Should().BeLessThanOrEqualTo(77, "a pass takes one slot's share, about 19,000 / 250");
            taken.AddRange(pass);
        }

        taken.Should().HaveCount(19_000).And.OnlyHaveUniqueItems();
    }

    [Test]
    public void Sessions_filed_from_many_threads_are_each_taken_once()
    {
        var wheel = new HeartbeatWheel<Entry>(Slot, 10_000, now: 0);
        var entries = Enumerable.Range(0, 4_000).Select(_ => new Entry()).ToList();
        Parallel.For(0, entries.Count, i =>
        {
            wheel.Schedule(entries[i], 9_000 - i % 80 * Slot);
            wheel.Schedule(entries[i], 1_000 + i % 80 * Slot);
        });

        var taken = new List<Entry>();
        for (var now = Slot; now <= 10_000; now += Slot) taken.AddRange(Take(wheel, now));
        taken.Should().HaveCount(entries.Count).And.OnlyHaveUniqueItems();
    }

    private static List<Entry> Take(HeartbeatWheel<Entry> wheel, long now)
    {
        var due = new List<Entry>();
        wheel.TakeDue(now, due);
        return due;
    }

    private sealed class Entry : IHeartbeatFiled
    {
        public long WheelSlot { get; set; } = IHeartbeatFiled.NotFiled;

        public int WheelIndex { get; set; }
    }
}
