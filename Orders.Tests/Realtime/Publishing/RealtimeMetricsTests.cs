using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Publishing;

public sealed class RealtimeMetricsTests
{
    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await OrdersServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private Task<string> ScrapeAsync() => _server.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).Within();

    // Counters are cumulative; gauges settle a moment after a disconnect, so poll until the scrape shows it.
    private async Task<string> ScrapeUntilAsync(Func<string, bool> condition)
    {
        using var deadline = new CancellationTokenSource(Bounded.Default);
        while (true)
        {
            var text = await ScrapeAsync();
            if (condition(text) || deadline.IsCancellationRequested)
            {
                return text;
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    [Test]
    public async Task Metrics_reflect_connects_and_disconnects()
    {
        const string connected = "socketio_connected_sockets";
        var before = await ScrapeAsync();
        var connectedBefore = PrometheusText.Sum(before, connected, "namespace=\"/\"");
        var connectionsBefore = PrometheusText.Sum(before, "socketio_connections_total");
        var disconnectionsBefore = PrometheusText.Sum(before, "socketio_disconnections_total");

        var first = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token("metrics-1"));
        var second = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token("metrics-2", admin: true));
        var during = await ScrapeUntilAsync(t => PrometheusText.Sum(t, connected, "namespace=\"/\"") >= connectedBefore + 2);

        await first.DisposeAsync();
        await second.DisposeAsync();
        var after = await ScrapeUntilAsync(t => PrometheusText.Sum(t, connected, "namespace=\"/\"") <= connectedBefore
            && PrometheusText.Sum(t, "socketio_disconnections_total") >= disconnectionsBefore + 2);

        using (new AssertionScope())
        {
            PrometheusText.Sum(during, connected, "namespace=\"/\"", "transport=\"websocket\"").Should().BeGreaterThanOrEqualTo(2);
            PrometheusText.Sum(during, "socketio_connections_total").Should().Be(connectionsBefore + 2);
            PrometheusText.Sum(during, "socketio_rooms").Should().BeGreaterThanOrEqualTo(3, "user:metrics-1, user:metrics-2 and admins");
            PrometheusText.Sum(after, connected, "namespace=\"/\"").Should().Be(connectedBefore);
            PrometheusText.Sum(after, "socketio_disconnections_total", "reason=\"client namespace disconnect\"").Should().BeGreaterThanOrEqualTo(2);
            PrometheusText.Sum(after, "socketio_disconnections_total").Should().Be(disconnectionsBefore + 2);
        }
    }

    [Test]
    public async Task Metrics_count_refused_handshakes_by_reason()
    {
        var before = PrometheusText.Sum(await ScrapeAsync(), "socketio_auth_failures_total", "reason=\"missing_token\"");
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        await raw.ConnectAsync();

        PrometheusText.Sum(await ScrapeAsync(), "socketio_auth_failures_total", "reason=\"missing_token\"").Should().Be(before + 1);
    }

    [Test]
    public async Task Metrics_count_order_events_published_and_delivered_by_type_with_latency()
    {
        await using var owner = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token("metrics-owner"));
        var before = await ScrapeAsync();
        using var http = _server.ClientFor("metrics-owner");
        await http.CreateOrderAsync();
        await owner.WaitForAsync(1);

        var after = await ScrapeUntilAsync(t =>
            PrometheusText.Sum(t, "orders_events_delivered_total", "type=\"order:created\"") > PrometheusText.Sum(before, "orders_events_delivered_total", "type=\"order:created\""));
        using (new AssertionScope(after))
        {
            Delta("orders_events_published_total", "type=\"order:created\"").Should().Be(1);
            Delta("orders_events_delivered_total", "type=\"order:created\"").Should().BeGreaterThanOrEqualTo(1);
            Delta("orders_events_publish_to_send_seconds_count", "type=\"order:created\"").Should().Be(1);
            after.Should().Contain("http_server_request_duration_seconds").And.Contain("dotnet_");
        }

        double Delta(string metric, string label) => PrometheusText.Sum(after, metric, label) - PrometheusText.Sum(before, metric, label);
    }
}
