using FluentAssertions.Execution;
using Orders.Realtime.Auth;

namespace Orders.Tests.Realtime.Auth;

// When auth:expiring goes out: RenewBefore ahead of exp, or halfway for a token with less than twice that left.
public sealed class TokenRenewalOptionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    [TestCase(3600, 3540)]
    [TestCase(120, 60)]
    [TestCase(119, 59.5)]
    [TestCase(10, 5)]
    [TestCase(0, 0)]
    [TestCase(-5, 0)]
    public void The_notice_comes_RenewBefore_ahead_or_halfway_for_short_tokens(double secondsLeft, double noticeAfterSeconds)
    {
        var options = new TokenRenewalOptions();
        options.NoticeAt(Now, Now.AddSeconds(secondsLeft)).Should().Be(Now.AddSeconds(noticeAfterSeconds));
    }

    [Test]
    public void RenewBefore_must_be_positive_and_at_most_an_hour()
    {
        using (new AssertionScope())
        {
            new TokenRenewalOptions().Validate().Should().BeEmpty();
            new TokenRenewalOptions { RenewBefore = TimeSpan.Zero }.Validate().Should().ContainSingle();
            new TokenRenewalOptions { RenewBefore = TimeSpan.FromHours(2) }.Validate().Should().ContainSingle();
        }
    }
}
