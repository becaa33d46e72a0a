namespace Orders.Tests;

public sealed class SmokeTests
{
    [Test]
    public void Solution_builds() => (1 + 1).Should().Be(2);
}
