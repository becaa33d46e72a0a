using System.Net;
using System.Net.Sockets;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Data;

// The service started without migrations against a port where no database listens.
public sealed class DatabaseDownTests
{
    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _server = await OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = $"postgres://postgres@127.0.0.1:{closedPort}/orders",
            ["Database:MigrateOnStartup"] = "false",
        }, waitUntilReady: false);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Api_calls_answer_503_problem_when_the_database_is_unreachable()
    {
        using var client = _server.ClientFor("alice");
        using var list = await client.GetAsync(new Uri("/api/orders", UriKind.Relative)).Within();
        using var create = await client.PostAsync(new Uri("/api/orders", UriKind.Relative), System.Net.Http.Json.JsonContent.Create(OrderRequests.NewOrderBody())).Within();

        using (new AssertionScope())
        {
            list.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            list.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            create.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }
    }

    [Test]
    public async Task Readiness_fails_while_liveness_holds()
    {
        using var ready = await _server.Http.GetAsync(new Uri("/readyz", UriKind.Relative)).Within();
        using var alive = await _server.Http.GetAsync(new Uri("/healthz", UriKind.Relative)).Within();
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        alive.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
