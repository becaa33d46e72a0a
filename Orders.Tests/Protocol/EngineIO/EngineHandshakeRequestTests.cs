using FluentAssertions.Execution;
using Microsoft.Extensions.Primitives;
using Orders.Protocol.EngineIO;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>A session keeps its handshake's headers as one array; the views an application reads are made from it.</summary>
public sealed class EngineHandshakeRequestTests
{
    [Test]
    public void Headers_cookies_and_query_are_read_from_the_kept_headers_whatever_the_case_of_the_names()
    {
        var request = new EngineHandshakeRequest(
            [new("cookie", "session=a%2Fb; theme=dark"), new("X-Trace", new StringValues(["1", "2"])), new("Origin", "https://shop.example")],
            "?EIO=4&transport=websocket&tenant=acme",
            remoteAddress: null,
            isSecure: false,
            DateTimeOffset.UnixEpoch);

        using var _ = new AssertionScope();
        request.Cookies.Should().Contain("session", "a/b").And.Contain("theme", "dark").And.HaveCount(2);
        request.Query.Should().Contain("tenant", "acme");
        request.Headers["x-trace"].Should().Equal("1", "2");
        request.Headers.Origin.ToString().Should().Be("https://shop.example");
        request.Headers.Should().HaveCount(3);
        request.Headers.Should().BeSameAs(request.Headers, "the dictionary is made once and kept");
    }

    [Test]
    public void A_handshake_without_a_cookie_header_has_no_cookies()
    {
        var request = new EngineHandshakeRequest([new("Host", "localhost")], null, null, false, DateTimeOffset.UnixEpoch);

        request.Cookies.Should().BeEmpty();
        request.Headers.Should().ContainKey("host");
    }
}
