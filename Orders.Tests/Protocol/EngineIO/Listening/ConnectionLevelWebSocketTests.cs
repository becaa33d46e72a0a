using System.Net.Sockets;
using System.Text;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO.Listening;

/// <summary>WebSocket handshakes answered at the Kestrel connection, seen from a raw TCP client.</summary>
public sealed class ConnectionLevelWebSocketTests
{
    // RFC 6455 §1.3's example: this key must be answered with this accept value.
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 5000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private static string Head(string query) =>
        $"GET /engine.io/?{query} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n";

    [Test]
    public async Task The_handshake_is_answered_at_the_connection_with_the_rfc_accept_value()
    {
        await using var client = await RawClient.ConnectAsync(_server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket")));
        var head = await client.ReadHeadAsync();
        var open = await client.ReadTextFrameAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 101 Switching Protocols\r\n");
        head.Should().Contain($"Sec-WebSocket-Accept: {Accept}\r\n");
        head.Should().NotContain("Server: Kestrel", "Kestrel's HTTP layer writes that header; the connection handler does not");
        open.Should().StartWith("0{\"sid\":\"");
    }

    [Test]
    public async Task A_handshake_written_a_moment_after_the_connect_is_still_answered_at_the_connection()
    {
        // The connection is dispatched before any byte arrives, so the handler waits for the first ones.
        await using var client = await RawClient.ConnectAsync(_server.BaseUri);
        await Task.Delay(300);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket")));
        var head = await client.ReadHeadAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 101 Switching Protocols\r\n");
        head.Should().NotContain("Server: Kestrel");
        (await client.ReadTextFrameAsync()).Should().StartWith("0{\"sid\":\"");
    }

    [Test]
    public async Task A_frame_sent_together_with_the_handshake_is_not_lost()
    {
        await using var client = await RawClient.ConnectAsync(_server.BaseUri);
        await client.WriteAsync([.. Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket")), .. RawClient.MaskedText("4hello")]);
        await client.ReadHeadAsync();
        await client.ReadTextFrameAsync();
        (await client.ReadTextFrameAsync()).Should().Be("4hello");
    }

    [Test]
    public async Task A_handshake_split_over_two_writes_still_connects_through_kestrel()
    {
        await using var client = await RawClient.ConnectAsync(_server.BaseUri);
        var bytes = Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket"));
        await client.WriteAsync(bytes[..40]);
        await Task.Delay(200);
        await client.WriteAsync(bytes[40..]);
        var head = await client.ReadHeadAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 101");
        head.Should().Contain("Server: Kestrel");
        (await client.ReadTextFrameAsync()).Should().StartWith("0{\"sid\":\"");
    }

    [TestCase("EIO=3&transport=websocket", 5, TestName = "An unsupported protocol version gets code 5")]
    [TestCase("EIO=4&transport=websocket&sid=nope", 1, TestName = "An unknown sid gets code 1")]
    [TestCase("EIO=4&transport=carrier-pigeon", 0, TestName = "An unknown transport gets code 0")]
    public async Task Handshakes_the_endpoint_refuses_get_the_usual_engine_io_error(string query, int code)
    {
        await using var client = await RawClient.ConnectAsync(_server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head(query)));
        var head = await client.ReadHeadAsync();
        var body = await client.ReadAvailableTextAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 400");
        body.Should().Contain($"\"code\":{code}");
    }

    [Test]
    public async Task With_the_option_off_the_handshake_goes_through_aspnet_core()
    {
        await using var server = await ConformanceServer.StartAsync(socketIO: o => o.EngineIO.IO.AcceptWebSocketsOnConnection = false);
        await using var client = await RawClient.ConnectAsync(server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket").Replace("/engine.io/", "/socket.io/", StringComparison.Ordinal)));
        var head = await client.ReadHeadAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 101");
        head.Should().Contain("Server: Kestrel");
        head.Should().Contain($"Sec-WebSocket-Accept: {Accept}");
        (await client.ReadTextFrameAsync()).Should().StartWith("0{\"sid\":\"");
    }

    [Test]
    public async Task A_client_that_falls_behind_the_kernel_buffers_still_gets_every_packet_in_order()
    {
        // 20 MB is more than loopback's socket buffers hold on both sides, so direct sends must give way to
        // Kestrel's pipe part-way; every packet must still arrive once and in order when the client reads again.
        const int Count = 500;
        var payload = new string('x', 40_000);
        var ns = _server.IO.Of("/bulk");
        var connected = new TaskCompletionSource<Orders.Protocol.SocketIO.Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        ns.OnConnection(socket =>
        {
            connected.TrySetResult(socket);
            return ValueTask.CompletedTask;
        });

        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/bulk,");
        await ws.ReceiveTextAsync();
        var socket = await connected.Task.WaitAsync(ConformanceServer.Timeout);
        for (var i = 0; i < Count; i++) socket.Emit("n", i, payload).Should().BeTrue();

        await Task.Delay(300);
        var received = new List<int>();
        while (received.Count < Count)
        {
            var text = await ws.ReceiveTextSkippingPingsAsync();
            const string Prefix = "42/bulk,[\"n\",";
            text.Should().StartWith(Prefix);
            received.Add(int.Parse(text.AsSpan(Prefix.Length, text.IndexOf(',', Prefix.Length) - Prefix.Length), System.Globalization.CultureInfo.InvariantCulture));
        }

        received.Should().Equal(Enumerable.Range(0, Count));
    }

    [Test]
    public async Task A_client_that_never_answers_the_close_frame_does_not_hold_the_shutdown()
    {
        var server = await ConformanceServer.StartAsync(pingIntervalMs: 60_000, pingTimeoutMs: 60_000);
        await using var client = await RawClient.ConnectAsync(server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head("EIO=4&transport=websocket")));
        await client.ReadHeadAsync();
        await client.ReadTextFrameAsync();

        // DisposeAsync bounds StopAsync by ConformanceServer.Timeout; the close grace period is 2 s.
        var stopping = server.DisposeAsync().AsTask();
        await stopping.Invoking(t => t).Should().CompleteWithinAsync(ConformanceServer.Timeout);
    }
}
