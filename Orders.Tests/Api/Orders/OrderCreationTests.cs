using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Orders;

// POST /api/orders: 201 with the caller as owner, 400 with field errors.
public sealed class OrderCreationTests
{
    private OrdersServer _server = null!;
    private HttpClient _alice = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await OrdersServer.StartAsync();
        _alice = _server.ClientFor("alice");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _alice.Dispose();
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
}
