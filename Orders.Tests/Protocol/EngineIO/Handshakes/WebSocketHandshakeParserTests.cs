using System.Buffers;
using System.Text;
using FluentAssertions.Execution;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Tests.Protocol.EngineIO.Handshakes;

public sealed class WebSocketHandshakeParserTests
{
    private const string Upgrade =
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
        "Host: localhost:3004\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Origin: http://localhost:3000\r\n" +
        "Cookie: a=1\r\n" +
        "Cookie: b=2\r\n" +
        "\r\n";

    private static HandshakeParseStatus Parse(string text, out WebSocketHandshake? handshake) =>
        WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out handshake, out _);

    [Test]
    public void A_well_formed_upgrade_is_recognised_with_its_path_query_and_headers()
    {
        Parse(Upgrade, out var handshake).Should().Be(HandshakeParseStatus.WebSocket);
        using var _ = new AssertionScope();
        handshake!.Path.Should().Be("/socket.io/");
        handshake.QueryString.Should().Be("?EIO=4&transport=websocket");
        handshake.Key.Should().Be("dGhlIHNhbXBsZSBub25jZQ==");
        handshake.Headers["origin"].ToString().Should().Be("http://localhost:3000");
        handshake.Headers["Cookie"].ToArray().Should().Equal("a=1", "b=2");
    }

    [Test]
    public void Bytes_after_the_head_are_left_for_the_websocket()
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade + "\x81\x02hi");
        WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(bytes), out _, out var end).Should().Be(HandshakeParseStatus.WebSocket);
        new ReadOnlySequence<byte>(bytes).Slice(end).Length.Should().Be(4);
    }

    [Test]
    public void A_head_split_over_segments_parses_like_a_contiguous_one()
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade);
        var sequence = SegmentedSequence.Split(bytes, [37, 87]);
        WebSocketHandshakeParser.TryParse(sequence, out var handshake, out _).Should().Be(HandshakeParseStatus.WebSocket);
        handshake!.Headers["Host"].ToString().Should().Be("localhost:3004");
    }

    [Test]
    public void A_head_that_has_not_fully_arrived_is_incomplete()
    {
        Parse(Upgrade[..60], out _).Should().Be(HandshakeParseStatus.Incomplete);
    }

    [TestCase("POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "Other methods")]
    [TestCase("\x16\x03\x01\x02\x00\x01\x00", TestName = "A TLS ClientHello")]
    [TestCase("GET /socket.io/ HTTP/1.0\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "HTTP 1.0")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "A plain GET")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "No Host")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "Connection without upgrade")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "Another WebSocket version")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n", TestName = "A key that is not 16 bytes")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 3\r\n\r\n", TestName = "A body")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\n folded\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "Obsolete line folding")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost : a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "Whitespace before a colon")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\nX: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "A bare line feed")]
    // Found by WebSocketHandshakeParserProperties: Kestrel refuses these, so the connection-level parser must not take them.
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-a}b: v\r\n\r\n", TestName = "A header name that is not a token")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX a: v\r\n\r\n", TestName = "A blank inside a header name")]
    [TestCase("GET /socket.io/\t HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "A tab in the request target")]
    [TestCase("GET /socket.io/ HTTP/1.1\r\nHost: \u00e9\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", TestName = "Non-ASCII bytes")]
    public void Anything_but_a_plain_upgrade_is_left_to_kestrel(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(bytes), out var handshake, out _).Should().Be(HandshakeParseStatus.NotWebSocket);
        handshake.Should().BeNull();
    }

    [Test]
    public void A_head_larger_than_the_limit_is_left_to_kestrel()
    {
        var big = Upgrade.Replace("Cookie: a=1", "Cookie: a=" + new string('x', WebSocketHandshakeParser.MaxHeadLength), StringComparison.Ordinal);
        Parse(big, out _).Should().Be(HandshakeParseStatus.NotWebSocket);
        Parse(big[..(WebSocketHandshakeParser.MaxHeadLength + 100)], out _).Should().Be(HandshakeParseStatus.NotWebSocket);
    }

    [TestCase("?EIO=4&transport=websocket", "4", "websocket", null)]
    [TestCase("?transport=websocket&EIO=4&sid=ab%2Dc&t=1", "4", "websocket", "ab-c")]
    [TestCase("?EIO=4&transport=websocket&sid=", "4", "websocket", null)]
    [TestCase("", null, null, null)]
    public void The_engine_query_is_read_and_decoded(string query, string? eio, string? transport, string? sid)
    {
        EngineQuery.TryRead(query, out var read).Should().BeTrue();
        read.Should().Be(new EngineQuery(eio, transport, sid));
    }

    [Test]
    public void A_repeated_engine_parameter_is_not_taken()
    {
        EngineQuery.TryRead("?EIO=4&transport=websocket&transport=polling", out _).Should().BeFalse();
    }

    [Test]
    public void Names_and_repeating_values_are_shared_by_every_handshake_that_sends_them()
    {
        var (first, second) = ParseTwice("User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0\r\n");

        using var _ = new AssertionScope();
        foreach (var name in new[] { "Host", "Upgrade", "Origin", "User-Agent", "Sec-WebSocket-Version" })
        {
            ReferenceEquals(first.Headers[name].ToString(), second.Headers[name].ToString()).Should().BeTrue($"{name}'s value repeats");
            ReferenceEquals(KeyOf(first, name), KeyOf(second, name)).Should().BeTrue($"{name} is a known name");
        }

        second.Headers["User-Agent"].ToString().Should().Be("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0");
    }

    [Test]
    public void Keys_cookies_and_unknown_headers_are_never_shared()
    {
        var (first, second) = ParseTwice("X-Custom: same\r\nAuthorization: Bearer t\r\n");

        using var _ = new AssertionScope();
        foreach (var name in new[] { "Sec-WebSocket-Key", "Cookie", "Authorization", "X-Custom" })
        {
            var a = first.Headers[name];
            var b = second.Headers[name];
            a.Should().Equal(b);
            ReferenceEquals(a[0], b[0]).Should().BeFalse($"{name}'s value belongs to its connection alone");
        }
    }

    [Test]
    public void The_direct_websocket_query_is_shared_and_any_other_query_is_the_connections_own()
    {
        var (first, second) = ParseTwice("");
        Parse(Upgrade.Replace("transport=websocket", "transport=websocket&sid=abc&token=t", StringComparison.Ordinal), out var upgrade).Should().Be(HandshakeParseStatus.WebSocket);
        Parse(Upgrade.Replace("transport=websocket", "transport=websocket&sid=abc&token=t", StringComparison.Ordinal), out var again).Should().Be(HandshakeParseStatus.WebSocket);

        using var _ = new AssertionScope();
        ReferenceEquals(first.QueryString, second.QueryString).Should().BeTrue("every socket.io-client sends this query for a direct WebSocket");
        upgrade!.QueryString.Should().Be("?EIO=4&transport=websocket&sid=abc&token=t");
        ReferenceEquals(upgrade.QueryString, again!.QueryString).Should().BeFalse("a session id or an application's parameter belongs to its connection alone");
    }

    /// <summary>Two connections sending the same head, <see cref="Upgrade"/> plus <paramref name="extraHeaders"/>.</summary>
    private static (WebSocketHandshake First, WebSocketHandshake Second) ParseTwice(string extraHeaders)
    {
        var head = Upgrade[..^2] + extraHeaders + "\r\n";
        Parse(head, out var first).Should().Be(HandshakeParseStatus.WebSocket);
        Parse(head, out var second).Should().Be(HandshakeParseStatus.WebSocket);
        return (first!, second!);
    }

    private static string KeyOf(WebSocketHandshake handshake, string name) => handshake.Headers.Keys.Single(k => k == name);
}
