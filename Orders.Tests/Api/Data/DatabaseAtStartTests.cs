using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using FluentAssertions.Execution;
using Orders.Api.Hosting;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Data;

// The start-up migration against a real PostgreSQL that is not there yet, never comes, or refuses.
public sealed class DatabaseAtStartTests
{
    [Test]
    public async Task A_database_that_comes_up_after_the_service_is_waited_for_then_migrated_and_served()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        await cluster.StopImmediatelyAsync();

        var starting = OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = cluster.ConnectionString("orders_late"),
            ["Database:StartupTimeout"] = "00:01:00",
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        starting.IsCompleted.Should().BeFalse("the service must wait for its database, not fail or listen without a schema");

        await cluster.StartServerAsync();
        await using var server = await starting.Within(TimeSpan.FromSeconds(60));
        using var client = server.ClientFor("alice");
        using var created = await client.PostAsync(new Uri("/api/orders", UriKind.Relative), JsonContent.Create(OrderRequests.NewOrderBody())).Within();
        created.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Test]
    public async Task A_database_that_never_answers_stops_start_up_at_the_timeout_with_a_message_naming_it()
    {
        var port = ClosedPort();
        var watch = Stopwatch.StartNew();
        var start = () => OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = $"postgres://postgres:secret-password@127.0.0.1:{port}/orders",
            ["Database:StartupTimeout"] = "00:00:02",
        });

        var failure = (await start.Should().ThrowAsync<StartupFailedException>()).Which;
        using (new AssertionScope())
        {
            failure.Message.Should().Contain($"127.0.0.1:{port}/orders").And.Contain("Database:StartupTimeout").And.NotContain("secret-password");
            watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1)).And.BeLessThan(TimeSpan.FromSeconds(20));
        }
    }

    [Test]
    public async Task A_database_that_refuses_the_service_stops_start_up_at_once()
    {
        // The shared cluster trusts every connection, but knows no role of this name: PostgreSQL refuses (28000), and
        // waiting would not change that.
        var connection = TestPostgres.NewDatabaseConnectionString().Replace("Username=postgres", "Username=nobody_here", StringComparison.Ordinal);
        var watch = Stopwatch.StartNew();
        var start = () => OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connection,
            ["Database:StartupTimeout"] = "00:01:00",
        });

        var failure = (await start.Should().ThrowAsync<StartupFailedException>()).Which;
        using (new AssertionScope())
        {
            failure.Message.Should().Contain("refused").And.Contain("nobody_here");
            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "a refusal is not waited out");
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
