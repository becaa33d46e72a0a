using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Orders;

// Status moves, cancellation, edits and optimistic concurrency.
public sealed class OrderChangeTests
{
    private OrdersServer _server = null!;
    private HttpClient _alice = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await OrdersServer.StartAsync();
        _alice = _server.ClientFor("alice");
        _admin = _server.ClientFor("ops", admin: true);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _alice.Dispose();
        _admin.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Changing_status_is_403_for_non_admins_even_the_owner()
    {
        var order = await _alice.CreateOrderAsync();
        using var response = await _alice.ChangeStatusAsync(order.Id(), "processing");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Test]
    public async Task An_order_walks_the_whole_lifecycle_to_delivered()
    {
        var order = await _alice.CreateOrderAsync();
        foreach (var status in new[] { "processing", "shipped", "delivered" })
        {
            var moved = await _admin.MoveAsync(order.Id(), status);
            moved.GetProperty("status").GetString().Should().Be(status);
        }

        (await _alice.GetOrderAsync(order.Id())).GetProperty("status").GetString().Should().Be("delivered");
    }

    [TestCase(new string[0], "shipped")]
    [TestCase(new string[0], "delivered")]
    [TestCase(new string[0], "pending")]
    [TestCase(new[] { "processing" }, "pending")]
    [TestCase(new[] { "processing" }, "delivered")]
    [TestCase(new[] { "processing", "shipped" }, "cancelled")]
    [TestCase(new[] { "processing", "shipped" }, "processing")]
    [TestCase(new[] { "processing", "shipped", "delivered" }, "cancelled")]
    [TestCase(new[] { "cancelled" }, "processing")]
    public async Task A_move_outside_the_allowed_transitions_is_409(string[] path, string target)
    {
        var order = await _alice.CreateOrderAsync();
        foreach (var status in path)
        {
            await _admin.MoveAsync(order.Id(), status);
        }

        using var response = await _admin.ChangeStatusAsync(order.Id(), target);
        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Test]
    public async Task An_unknown_status_is_400()
    {
        var order = await _alice.CreateOrderAsync();
        using var response = await _admin.ChangeStatusAsync(order.Id(), "lost");
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task The_owner_cancels_while_pending_or_processing_but_not_once_shipped()
    {
        var pending = await _alice.CreateOrderAsync();
        var processing = await _alice.CreateOrderAsync();
        var shipped = await _alice.CreateOrderAsync();
        await _admin.MoveAsync(processing.Id(), "processing");
        await _admin.MoveAsync(shipped.Id(), "processing");
        await _admin.MoveAsync(shipped.Id(), "shipped");

        using var a = await _alice.CancelAsync(pending.Id());
        using var b = await _alice.CancelAsync(processing.Id());
        using var c = await _alice.CancelAsync(shipped.Id());

        using (new AssertionScope())
        {
            a.StatusCode.Should().Be(HttpStatusCode.OK);
            b.StatusCode.Should().Be(HttpStatusCode.OK);
            c.StatusCode.Should().Be(HttpStatusCode.Conflict);
            (await _alice.GetOrderAsync(pending.Id())).GetProperty("status").GetString().Should().Be("cancelled");
        }
    }

    [Test]
    public async Task An_admin_cancels_anyones_order()
    {
        var order = await _alice.CreateOrderAsync();
        using var response = await _admin.CancelAsync(order.Id());
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Details_change_while_pending_and_409_afterwards()
    {
        var order = await _alice.CreateOrderAsync();
        using var first = await _alice.PatchAsJsonAsync($"/api/orders/{order.Id()}", new
        {
            items = new[] { new { sku = "SKU-9", name = "Teapot", quantity = 1, unitPrice = 30m } },
            notes = "gift wrap",
        }).Within();
        var updated = await first.Content.ReadFromJsonAsync<JsonElement>().Within();
        await _admin.MoveAsync(order.Id(), "processing");
        using var late = await _alice.PatchAsJsonAsync($"/api/orders/{order.Id()}", new { notes = "too late" }).Within();

        using (new AssertionScope())
        {
            first.StatusCode.Should().Be(HttpStatusCode.OK);
            updated.GetProperty("total").GetDecimal().Should().Be(30m);
            updated.GetProperty("notes").GetString().Should().Be("gift wrap");
            updated.GetProperty("shippingAddress").GetString().Should().Be("1 Main Street, Springfield");
            late.StatusCode.Should().Be(HttpStatusCode.Conflict);
        }
    }

    [Test]
    public async Task A_stale_if_match_is_a_409_concurrency_conflict_and_changes_nothing()
    {
        var order = await _alice.CreateOrderAsync();
        var staleETag = $"\"{order.GetProperty("version").GetUInt32()}\"";
        using (var first = await _alice.PatchAsJsonAsync($"/api/orders/{order.Id()}", new { notes = "first" }).Within())
        {
            first.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/orders/{order.Id()}") { Content = JsonContent.Create(new { notes = "second" }) };
        request.Headers.TryAddWithoutValidation("If-Match", staleETag);
        using var response = await _alice.SendAsync(request).Within();

        using (new AssertionScope())
        {
            response.StatusCode.Should().Be(HttpStatusCode.Conflict);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await _alice.GetOrderAsync(order.Id())).GetProperty("notes").GetString().Should().Be("first");
        }
    }

    [Test]
    public async Task A_current_if_match_is_accepted()
    {
        var order = await _alice.CreateOrderAsync();
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/orders/{order.Id()}") { Content = JsonContent.Create(new { notes = "ok" }) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{order.GetProperty("version").GetUInt32()}\"");
        using var response = await _alice.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
