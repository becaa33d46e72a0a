using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Orders;

// Who sees which orders: owners their own (others get 404), admins all; lists are paginated.
public sealed class OrderAccessTests
{
    private OrdersServer _server = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await OrdersServer.StartAsync();
        _alice = _server.ClientFor("alice");
        _bob = _server.ClientFor("bob");
        _admin = _server.ClientFor("ops", admin: true);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        _admin.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Someone_elses_order_is_404_for_read_update_and_cancel()
    {
        var order = await _alice.CreateOrderAsync();
        using var get = await _bob.GetAsync(new Uri($"/api/orders/{order.Id()}", UriKind.Relative)).Within();
        using var patch = await _bob.PatchAsJsonAsync($"/api/orders/{order.Id()}", new { notes = "mine now" }).Within();
        using var cancel = await _bob.CancelAsync(order.Id());

        using (new AssertionScope())
        {
            get.StatusCode.Should().Be(HttpStatusCode.NotFound);
            get.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            patch.StatusCode.Should().Be(HttpStatusCode.NotFound);
            cancel.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
    }

    [Test]
    public async Task An_admin_reads_any_order()
    {
        var order = await _alice.CreateOrderAsync();
        var seen = await _admin.GetOrderAsync(order.Id());
        seen.GetProperty("userId").GetString().Should().Be("alice");
    }

    [Test]
    public async Task Listing_shows_only_the_callers_orders_paginated()
    {
        var carol = _server.ClientFor("carol-" + Guid.NewGuid());
        for (var i = 0; i < 3; i++)
        {
            await carol.CreateOrderAsync();
        }

        await _bob.CreateOrderAsync();
        var page1 = await carol.GetFromJsonAsync<JsonElement>("/api/orders?page=1&pageSize=2").Within();
        var page2 = await carol.GetFromJsonAsync<JsonElement>("/api/orders?page=2&pageSize=2").Within();

        using (new AssertionScope())
        {
            page1.GetProperty("totalCount").GetInt32().Should().Be(3);
            page1.GetProperty("items").GetArrayLength().Should().Be(2);
            page2.GetProperty("items").GetArrayLength().Should().Be(1);
            page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray())
                .Select(o => o.GetProperty("userId").GetString()).Should().AllSatisfy(u => u.Should().StartWith("carol-"));
        }
    }

    [Test]
    public async Task Admins_list_everyones_orders_filtered_by_user_and_status()
    {
        var dave = "dave-" + Guid.NewGuid();
        var client = _server.ClientFor(dave);
        var shipped = await client.CreateOrderAsync();
        await client.CreateOrderAsync();
        await _admin.MoveAsync(shipped.Id(), "processing");

        var all = await _admin.GetFromJsonAsync<JsonElement>($"/api/orders?userId={dave}").Within();
        var processing = await _admin.GetFromJsonAsync<JsonElement>($"/api/orders?userId={dave}&status=processing").Within();
        var ignored = await client.GetFromJsonAsync<JsonElement>("/api/orders?userId=alice").Within();

        using (new AssertionScope())
        {
            all.GetProperty("totalCount").GetInt32().Should().Be(2);
            processing.GetProperty("totalCount").GetInt32().Should().Be(1);
            processing.GetProperty("items")[0].Id().Should().Be(shipped.Id());
            ignored.GetProperty("items").EnumerateArray().Should().OnlyContain(o => o.GetProperty("userId").GetString() == dave);
        }
    }

    [Test]
    public async Task Bad_paging_is_400()
    {
        using var response = await _alice.GetAsync(new Uri("/api/orders?pageSize=1000", UriKind.Relative)).Within();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
