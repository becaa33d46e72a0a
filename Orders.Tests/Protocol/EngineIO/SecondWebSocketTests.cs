using System.Net.WebSockets;
using System.Text;
using FluentAssertions.Execution;
using Orders.Tests.Protocol.EngineIO.Listening;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>
/// A further WebSocket naming a session that cannot take one is accepted and closed at once with an empty close frame,
/// as engine.io does (a client sees a close, code 1005, not a failed handshake); the session's own socket goes on.
/// </summary>
public sealed class SecondWebSocketTests
{
    private const string Path = "/engine.io/";

    // RFC 6455 §1.3's example: this key must be answered with this accept value.
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    /// <summary>The first socket is accepted at the listener, at the Kestrel connection, or by ASP.NET Core's middleware.</summary>
    [TestCase(true, true)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public async Task A_second_websocket_for_an_upgraded_session_is_accepted_then_closed_and_the_first_keeps_working(bool atListener, bool onConnection)
    {
        await using var server = await ConformanceServer.StartAsync(
            pingIntervalMs: 2000,
            pingTimeoutMs: 2000,
            socketIO: o =>
            {
                o.EngineIO.IO.AcceptWebSocketsAtListener = atListener;
                o.EngineIO.IO.AcceptWebSocketsOnConnection = onConnection;
            },
            engineIO: o => o.IO.AcceptWebSocketsOnConnection = onConnection);
        var sid = await server.OpenPollingAsync();
        using var first = await server.ConnectWebSocketAsync(Path, sid);
        await first.SendTextAsync("2probe");
        (await first.ReceiveTextAsync()).Should().Be("3probe");
        await first.SendTextAsync("5");
        await first.SendTextAsync("4sync");
        (await first.ReceiveTextSkippingPingsAsync()).Should().Be("4sync");

        await ExpectAcceptedThenClosedAsync(server, sid);

        await first.SendTextAsync("4still-here");
        (await first.ReceiveTextSkippingPingsAsync()).Should().Be("4still-here");
    }

    [Test]
    public async Task A_second_websocket_during_the_probe_is_closed_and_the_probe_still_completes()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 2000);
        var sid = await server.OpenPollingAsync();
        using var first = await server.ConnectWebSocketAsync(Path, sid);
        await first.SendTextAsync("2probe");
        (await first.ReceiveTextAsync()).Should().Be("3probe");

        await ExpectAcceptedThenClosedAsync(server, sid);

        await first.SendTextAsync("5");
        await first.SendTextAsync("4upgraded");
        (await first.ReceiveTextSkippingPingsAsync()).Should().Be("4upgraded");
    }

    [Test]
    public async Task A_second_websocket_for_a_session_opened_on_websocket_is_closed_and_the_first_keeps_working()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 2000);
        using var first = await server.ConnectWebSocketAsync(Path);
        var open = await first.ReceiveTextAsync();
        var sid = System.Text.Json.JsonDocument.Parse(open[1..]).RootElement.GetProperty("sid").GetString()!;

        await ExpectAcceptedThenClosedAsync(server, sid);

        await first.SendTextAsync("4still-here");
        (await first.ReceiveTextSkippingPingsAsync()).Should().Be("4still-here");
    }

    [Test]
    public async Task A_websocket_for_an_unknown_sid_is_still_refused_with_400()
    {
        await using var server = await ConformanceServer.StartAsync();
        var connect = async () => await server.ConnectWebSocketAsync(Path, "no-such-session");
        (await connect.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("400");
    }

    /// <summary>
    /// Seen on the wire: a 101 with the RFC accept value, then at once a close frame without a status code (engine.io's
    /// bytes: 0x88 0x00); once the client answers with its own close, the server ends the connection.
    /// </summary>
    private static async Task ExpectAcceptedThenClosedAsync(ConformanceServer server, string sid)
    {
        await using var client = await RawClient.ConnectAsync(server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {Path}?EIO=4&transport=websocket&sid={sid} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n" +
            $"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n"));
        var head = await client.ReadHeadAsync();
        var frame = await client.ReadBytesAsync(2);
        await client.WriteAsync(RawClient.MaskedEmptyClose());
        var ended = await client.WaitForEndAsync();

        using var _ = new AssertionScope();
        head.Should().StartWith("HTTP/1.1 101 ");
        head.Should().Contain($"Sec-WebSocket-Accept: {Accept}\r\n");
        frame.Should().Equal([0x88, 0x00], "engine.io closes it with an empty close frame (code 1005 at the client)");
        ended.Should().BeTrue("the server ends the connection once the close is answered");
    }
}
