using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Text;
using FluentAssertions.Execution;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Orders.Tests.Protocol.EngineIO.Listening;

/// <summary>
/// The Socket.IO server's own listener under Kestrel: WebSocket sessions on bare sockets, every other connection a
/// Kestrel one. Kestrel's <c>kestrel.active_connections</c> counter tells which connections Kestrel made.
/// </summary>
public sealed class EngineIOListenerTests
{
    private static readonly byte[] WebSocketHead = Encoding.ASCII.GetBytes(
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

    [Test]
    public async Task A_websocket_session_is_served_without_a_kestrel_connection_and_http_still_gets_one()
    {
        await using var server = await ConformanceServer.StartAsync();
        using var kestrel = new KestrelConnections(server);

        using (var ws = await server.ConnectWebSocketAsync())
        {
            (await ws.ReceiveTextAsync()).Should().StartWith("0{\"sid\":\"");
            await ws.SendTextAsync("4hello");
            (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4hello", "the conformance endpoint echoes messages");
            kestrel.Opened.Should().Be(0, "the listener serves the session on its socket");
        }

        using var http = new HttpClient();
        var poll = await http.GetAsync(new Uri(server.BaseUri, server.Url("/engine.io/"))).WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        poll.IsSuccessStatusCode.Should().BeTrue();
        kestrel.Opened.Should().Be(1, "a polling request is Kestrel's, through the same listener");
    }

    [Test]
    public async Task With_the_listener_off_the_session_is_answered_on_a_kestrel_connection()
    {
        await using var server = await ConformanceServer.StartAsync(socketIO: o => o.EngineIO.IO.AcceptWebSocketsAtListener = false);
        using var kestrel = new KestrelConnections(server);

        using var ws = await server.ConnectWebSocketAsync();
        (await ws.ReceiveTextAsync()).Should().StartWith("0{\"sid\":\"");
        kestrel.Opened.Should().Be(1);
    }

    [Test]
    public async Task A_kestrel_connection_limit_keeps_every_connection_with_kestrel()
    {
        await using var server = await ConformanceServer.StartAsync(
            services: s => s.Configure<KestrelServerOptions>(k => k.Limits.MaxConcurrentConnections = 100));
        using var kestrel = new KestrelConnections(server);

        using var ws = await server.ConnectWebSocketAsync();
        (await ws.ReceiveTextAsync()).Should().StartWith("0{\"sid\":\"");
        kestrel.Opened.Should().Be(1, "sockets served by the listener would escape the limit");
    }

    [Test]
    public async Task A_handshake_split_over_two_writes_is_handed_to_kestrel_and_answered()
    {
        var opened = await KestrelConnectionsOfAnsweredHandshakeAsync(async client =>
        {
            await client.WriteAsync(WebSocketHead[..40]);
            await Task.Delay(200);
            await client.WriteAsync(WebSocketHead[40..]);
        });

        opened.Should().Be(1);
    }

    [Test]
    public async Task A_handshake_that_comes_after_the_connect_is_still_served_at_the_listener()
    {
        // The listener finds nothing to peek at first and waits for the first bytes without its head buffer.
        var opened = await KestrelConnectionsOfAnsweredHandshakeAsync(async client =>
        {
            await Task.Delay(200);
            await client.WriteAsync(WebSocketHead);
        });

        opened.Should().Be(0, "a whole head, however late, is the listener's");
    }

    /// <summary>Sends a WebSocket handshake as <paramref name="send"/> does, checks it is answered, and returns how many Kestrel connections it took.</summary>
    private static async Task<int> KestrelConnectionsOfAnsweredHandshakeAsync(Func<RawClient, Task> send)
    {
        await using var server = await ConformanceServer.StartAsync();
        using var kestrel = new KestrelConnections(server);
        await using var client = await RawClient.ConnectAsync(server.BaseUri);
        await send(client);

        (await client.ReadHeadAsync()).Should().StartWith("HTTP/1.1 101 Switching Protocols\r\n");
        (await client.ReadTextFrameAsync()).Should().StartWith("0{\"sid\":\"");
        return kestrel.Opened;
    }

    [Test]
    public async Task A_client_that_connects_and_leaves_without_a_byte_costs_nothing_and_the_next_one_is_served()
    {
        await using var server = await ConformanceServer.StartAsync();
        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port).WaitAsync(ConformanceServer.Timeout);
        }

        using var ws = await server.ConnectWebSocketAsync();
        (await ws.ReceiveTextAsync()).Should().StartWith("0{\"sid\":\"");
    }

    [Test]
    public async Task A_port_in_use_fails_the_start_as_kestrel_reports_it()
    {
        using var taken = new TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var start = async () => await ConformanceServer.StartAsync(port: port);

        await start.Should().ThrowAsync<IOException>().WithMessage("*address already in use*");
    }

    /// <summary>Counts the connections Kestrel of <paramref name="server"/> opens from now on.</summary>
    private sealed class KestrelConnections : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _opened;

        public KestrelConnections(ConformanceServer server)
        {
            var meters = server.App.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel" && ReferenceEquals(instrument.Meter.Scope, meters)
                    && instrument.Name == "kestrel.active_connections")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
            {
                if (value > 0) Interlocked.Add(ref _opened, (int)value);
            });
            _listener.Start();
        }

        public int Opened => Volatile.Read(ref _opened);

        public void Dispose() => _listener.Dispose();
    }
}
