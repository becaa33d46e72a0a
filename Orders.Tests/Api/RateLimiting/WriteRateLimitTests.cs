using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.RateLimiting;

// REST writes per user (RateLimits:Writes): past the burst a write is a 429 ProblemDetails with Retry-After; reads,
// other users and the socket endpoint are untouched. The refill period is an hour, so no write comes back mid-test.
public sealed class WriteRateLimitTests
{
    private const int Burst = 3;

    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await OrdersServer.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits:Writes:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:Writes:Refill"] = "1",
        ["RateLimits:Writes:RefillPeriod"] = "01:00:00",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task A_write_past_the_burst_is_a_429_problem_with_retry_after_and_changes_nothing()
    {
        using var user = _server.ClientFor(NewUser());
        var created = new List<string>();
        for (var i = 0; i < Burst; i++) created.Add((await user.CreateOrderAsync()).Id());

        using var refused = await user.PostAsJsonAsync("/api/orders", OrderRequests.NewOrderBody()).Within();
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>().Within();
        using var list = await user.GetAsync(new Uri("/api/orders", UriKind.Relative)).Within();
        var page = await list.Content.ReadFromJsonAsync<JsonElement>().Within();
        var metrics = await _server.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).Within();

        using var _ = new AssertionScope();
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        refused.Headers.RetryAfter!.Delta.Should().BePositive();
        problem.GetProperty("status").GetInt32().Should().Be(429);
        problem.GetProperty("title").GetString().Should().Be("Too many changes");
        list.StatusCode.Should().Be(HttpStatusCode.OK, "reads are not limited");
        page.GetProperty("totalCount").GetInt32().Should().Be(Burst, "the refused write created nothing");
        PrometheusText.Sum(metrics, "aspnetcore_rate_limiting_requests_total", "endpoint_limiter").Should().BeGreaterThanOrEqualTo(1, "refusals are counted");
    }

    [Test]
    public async Task Every_write_method_draws_on_one_budget_per_user_and_other_users_keep_theirs()
    {
        using var user = _server.ClientFor(NewUser());
        using var neighbour = _server.ClientFor(NewUser());
        var id = (await user.CreateOrderAsync()).Id();
        using var patch = await user.PatchAsJsonAsync($"/api/orders/{id}", new { notes = "ring twice" }).Within();
        using var cancel = await user.CancelAsync(id);
        using var refused = await user.PatchAsJsonAsync($"/api/orders/{id}", new { notes = "again" }).Within();
        using var read = await user.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative)).Within();
        var neighbours = await neighbour.CreateOrderAsync();

        using var _ = new AssertionScope();
        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        cancel.StatusCode.Should().Be(HttpStatusCode.OK);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "POST, PATCH and POST spent the burst of three");
        refused.Headers.RetryAfter.Should().NotBeNull();
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        neighbours.GetProperty("status").GetString().Should().Be("pending", "another user has a budget of their own");
    }

    [Test]
    public async Task An_anonymous_write_is_still_a_401_not_a_429()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        for (var i = 0; i <= Burst; i++)
        {
            using var response = await anonymous.PostAsJsonAsync("/api/orders", OrderRequests.NewOrderBody()).Within();
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"anonymous write {i + 1}");
        }
    }

    [Test]
    public async Task A_burst_without_a_refill_fails_at_start()
    {
        var start = async () => await OrdersServer.StartAsync(new Dictionary<string, string?> { ["RateLimits:Writes:Refill"] = "0" });
        await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*RateLimits:Writes:Refill*");
    }

    private static string NewUser() => "limited-" + Guid.NewGuid().ToString("N")[..8];
}
