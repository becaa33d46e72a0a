using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Events;

internal static class OrderEventAssertions
{
    // The exact payload the frontend handles: { order, message, timestamp } (+ oldStatus/newStatus), order as the REST API returns it.
    public static void ShouldBe(this ReceivedEvent received, string name, JsonElement expectedOrder, string message, string? oldStatus = null, string? newStatus = null)
    {
        using var scope = new AssertionScope($"{name} payload {received.Payload}");
        received.Name.Should().Be(name);
        var expectedKeys = oldStatus is null
            ? new[] { "order", "message", "timestamp" }
            : ["order", "oldStatus", "newStatus", "message", "timestamp"];
        received.Payload.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(expectedKeys);
        JsonNode.DeepEquals(JsonNode.Parse(received.Payload.GetProperty("order").GetRawText()), JsonNode.Parse(expectedOrder.GetRawText()))
            .Should().BeTrue($"the order should equal the REST representation {expectedOrder}");
        received.Payload.GetProperty("message").GetString().Should().Be(message);
        if (oldStatus is not null)
        {
            received.Payload.GetProperty("oldStatus").GetString().Should().Be(oldStatus);
            received.Payload.GetProperty("newStatus").GetString().Should().Be(newStatus);
        }

        var timestamp = received.Payload.GetProperty("timestamp").GetString()!;
        timestamp.Should().EndWith("Z", "timestamps are ISO-8601 UTC");
        DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    public static string OrderId(this ReceivedEvent received) => received.Payload.GetProperty("order").GetProperty("id").GetString()!;

    public static string Number(this JsonElement order) => order.GetProperty("orderNumber").GetString()!;
}
