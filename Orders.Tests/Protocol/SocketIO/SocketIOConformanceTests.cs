using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>The Socket.IO v5 rules, one test each, over a raw WebSocket against the conformance host.</summary>
public sealed class SocketIOConformanceTests
{
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private async Task<ClientWebSocket> ConnectAsync(string connectPacket = "40")
    {
        var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync(connectPacket);
        (await ws.ReceiveTextAsync()).Should().StartWith("40");
        (await ws.ReceiveTextAsync()).Should().Contain("[\"auth\"");
        return ws;
    }

    [Test]
    public async Task Connect_to_main_namespace_answers_sid_then_auth_event()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40");
        var connect = await ws.ReceiveTextAsync();
        var handshake = JsonDocument.Parse(connect[2..]).RootElement;
        using var _ = new AssertionScope();
        connect.Should().StartWith("40{");
        handshake.EnumerateObject().Select(p => p.Name).Should().Equal("sid");
        (await ws.ReceiveTextAsync()).Should().Be("42[\"auth\",{}]");
    }

    [Test]
    public async Task Connect_payload_is_handed_to_the_application()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40{\"token\":\"123\"}");
        await ws.ReceiveTextAsync();
        (await ws.ReceiveTextAsync()).Should().Be("42[\"auth\",{\"token\":\"123\"}]");
    }

    [Test]
    public async Task Custom_namespace_connects_with_its_prefix()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/custom,{\"token\":\"abc\"}");
        (await ws.ReceiveTextAsync()).Should().StartWith("40/custom,{\"sid\":");
        (await ws.ReceiveTextAsync()).Should().Be("42/custom,[\"auth\",{\"token\":\"abc\"}]");
    }

    [Test]
    public async Task Unknown_namespace_is_answered_with_invalid_namespace()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/random");
        (await ws.ReceiveTextAsync()).Should().Be("44/random,{\"message\":\"Invalid namespace\"}");
    }

    [Test]
    public async Task Middleware_rejection_carries_message_and_data()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/restricted,{\"token\":\"wrong\"}");
        (await ws.ReceiveTextAsync()).Should().Be("44/restricted,{\"message\":\"not authorized\",\"data\":{\"reason\":\"bad_token\"}}");
    }

    [Test]
    public async Task Invalid_handshake_packet_closes_the_connection()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("4abc");
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Connection_joining_no_namespace_is_closed_after_connect_timeout()
    {
        using var ws = await _server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        (await ws.WaitForCloseAsync(TimeSpan.FromSeconds(4))).Should().BeTrue();
    }

    [Test]
    public async Task Disconnecting_from_the_only_namespace_closes_the_connection_after_connect_timeout()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("41");
        (await ws.WaitForCloseAsync(TimeSpan.FromSeconds(4))).Should().BeTrue();
    }

    [Test]
    public async Task Leaving_a_custom_namespace_keeps_the_main_one()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("40/custom");
        await ws.ReceiveTextAsync();
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("41/custom");
        await ws.SendTextAsync("42[\"message\",\"message to main namespace\"]");
        (await ws.ReceiveTextAsync()).Should().Be("42[\"message-back\",\"message to main namespace\"]");
    }

    [Test]
    public async Task Plain_event_is_echoed_with_identical_arguments()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("42[\"message\",1,\"2\",{\"3\":[true]}]");
        (await ws.ReceiveTextAsync()).Should().Be("42[\"message-back\",1,\"2\",{\"3\":[true]}]");
    }

    [Test]
    public async Task Text_beyond_ascii_is_echoed_intact()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("42[\"message\",\"Grüße 你好 😀\"]");
        var echoed = await ws.ReceiveTextAsync();
        JsonDocument.Parse(echoed[2..]).RootElement[1].GetString().Should().Be("Grüße 你好 😀");
    }

    [Test]
    public async Task Event_with_binary_attachments_is_echoed_with_its_attachments()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await ws.SendBinaryAsync([1, 2, 3]);
        await ws.SendBinaryAsync([4, 5, 6]);
        using var _ = new AssertionScope();
        (await ws.ReceiveTextAsync()).Should().Be("452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        (await ws.ReceiveMessageAsync()).Data.Should().Equal(1, 2, 3);
        (await ws.ReceiveMessageAsync()).Data.Should().Equal(4, 5, 6);
    }

    [Test]
    public async Task Empty_binary_attachment_is_a_message_of_its_own()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await ws.SendBinaryAsync([]);
        await ws.SendBinaryAsync([7]);
        using var _ = new AssertionScope();
        (await ws.ReceiveTextAsync()).Should().StartWith("452-[\"message-back\"");
        (await ws.ReceiveMessageAsync()).Data.Should().BeEmpty();
        (await ws.ReceiveMessageAsync()).Data.Should().Equal(7);
    }

    [Test]
    public async Task Event_with_ack_is_acknowledged_with_the_same_arguments()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
        (await ws.ReceiveTextAsync()).Should().Be("43456[1,\"2\",{\"3\":[false]}]");
    }

    [Test]
    public async Task Binary_event_with_ack_gets_a_binary_ack()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("452-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await ws.SendBinaryAsync([1, 2, 3]);
        await ws.SendBinaryAsync([4, 5, 6]);
        using var _ = new AssertionScope();
        (await ws.ReceiveTextAsync()).Should().Be("462-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        (await ws.ReceiveMessageAsync()).Data.Should().Equal(1, 2, 3);
        (await ws.ReceiveMessageAsync()).Data.Should().Equal(4, 5, 6);
    }

    [Test]
    public async Task Server_emit_with_ack_resolves_when_the_client_acknowledges()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("42[\"call-me-back\",\"question\",41]");
        var request = await ws.ReceiveTextAsync();
        request.Should().MatchRegex("^42\\d+\\[\"question\",41\\]$");
        var ackId = request[2..request.IndexOf('[', StringComparison.Ordinal)];
        await ws.SendTextAsync($"43{ackId}[42]");
        (await ws.ReceiveTextAsync()).Should().Be("42[\"ack-result\",42]");
    }

    [Test]
    public async Task Server_side_disconnect_sends_disconnect_packet()
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync("42[\"disconnect-me\"]");
        (await ws.ReceiveTextAsync()).Should().Be("41");
    }

    [TestCase("42{}", TestName = "Event payload that is not an array closes the connection")]
    [TestCase("42abc[\"message-with-ack\",1]", TestName = "Invalid ack id closes the connection")]
    [TestCase("4abc", TestName = "Unknown packet type closes the connection")]
    [TestCase("451-[\"message\",{\"_placeholder\":true,\"num\":0}]\u0000", TestName = "Garbage after a binary header closes the connection")]
    public async Task Malformed_packets_close_the_connection(string packet)
    {
        using var ws = await ConnectAsync();
        await ws.SendTextAsync(packet);
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Binary_frame_without_announcing_packet_closes_the_connection()
    {
        using var ws = await ConnectAsync();
        await ws.SendBinaryAsync([1, 2, 3]);
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }
}
