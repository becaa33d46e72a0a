using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api;

public sealed class OrdersApiTests
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
    public async Task Creating_an_order_returns_201_with_its_location_and_the_caller_as_owner()
    {
        using var response = await _alice.PostAsJsonAsync("/api/orders", OrderRequests.NewOrderBody(quantity: 3, unitPrice: 2.5m)).Within();
        var order = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        using (new AssertionScope())
        {
            response.StatusCode.Should().Be(HttpStatusCode.Created);
            response.Headers.Location!.ToString().Should().Be($"/api/orders/{order.Id()}");
            response.Headers.ETag.Should().NotBeNull();
            order.GetProperty("userId").GetString().Should().Be("alice");
            order.GetProperty("status").GetString().Should().Be("pending");
            order.GetProperty("orderNumber").GetString().Should().MatchRegex("^ORD-[0-9]+$");
            order.GetProperty("total").GetDecimal().Should().Be(7.5m);
            order.GetProperty("currency").GetString().Should().Be("EUR");
            order.GetProperty("items")[0].GetProperty("sku").GetString().Should().Be("SKU-1");
            order.GetProperty("createdAt").GetString().Should().EndWith("Z");
        }

        var fetched = await _alice.GetOrderAsync(order.Id());
        fetched.GetRawText().Should().Be(order.GetRawText(), "POST and GET return the same shape and values");
    }

    [Test]
    public async Task Order_numbers_are_unique()
    {
        var first = await _alice.CreateOrderAsync();
        var second = await _alice.CreateOrderAsync();
        first.GetProperty("orderNumber").GetString().Should().NotBe(second.GetProperty("orderNumber").GetString());
    }

    [Test]
    public async Task An_invalid_body_is_a_400_problem_with_field_errors()
    {
        using var response = await _alice.PostAsJsonAsync("/api/orders", new
        {
            items = new[] { new { sku = "", name = "Mug", quantity = 0, unitPrice = 1.234m } },
            currency = "euro",
        }).Within();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        using (new AssertionScope())
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            var errors = problem.GetProperty("errors");
            errors.TryGetProperty("items[0].sku", out _).Should().BeTrue();
            errors.TryGetProperty("items[0].quantity", out _).Should().BeTrue();
            errors.TryGetProperty("items[0].unitPrice", out _).Should().BeTrue();
            errors.TryGetProperty("currency", out _).Should().BeTrue();
            errors.TryGetProperty("shippingAddress", out _).Should().BeTrue();
        }
    }

    [Test]
    public async Task An_order_without_items_is_a_400()
    {
        using var response = await _alice.PostAsJsonAsync("/api/orders", new { items = Array.Empty<object>(), shippingAddress = "x" }).Within();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>().Within();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("items", out _).Should().BeTrue();
    }

    [Test]
    public async Task A_field_of_the_wrong_type_is_a_400_naming_the_field()
    {
        using var content = new StringContent("""{"items":[{"sku":"A","name":"B","quantity":"three","unitPrice":1}],"shippingAddress":"x"}""", Encoding.UTF8, "application/json");
        using var response = await _alice.PostAsync(new Uri("/api/orders", UriKind.Relative), content).Within();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("items[0].quantity", out _).Should().BeTrue();
    }

    [Test]
    public async Task Without_a_token_the_api_answers_401_problem()
    {
        using var response = await _server.Http.GetAsync(new Uri("/api/orders", UriKind.Relative)).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [TestCase("expired")]
    [TestCase("wrong-secret")]
    [TestCase("wrong-issuer")]
    [TestCase("garbage")]
    public async Task A_bad_token_is_401(string kind)
    {
        var token = kind switch
        {
            "expired" => _server.ExpiredToken("alice"),
            "wrong-secret" => TokenFactory.Sign("alice", "another-secret-that-is-long-enough-0123456789", OrdersServer.Issuer),
            "wrong-issuer" => TokenFactory.Sign("alice", OrdersServer.Secret, "https://elsewhere.example"),
            _ => "not.a.jwt",
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _server.Http.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_token_without_sub_is_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenFactory.Sign(null, OrdersServer.Secret, OrdersServer.Issuer));
        using var response = await _server.Http.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
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
