using System.Net;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.RateLimiting;

// The service reads the Engine.IO limits from configuration (SocketIO__EngineIO__Limits__*): a cap of one session per address
// admits the first polling handshake to /socket.io/ and answers the second with 429 and Engine.IO's error body.
public sealed class ServiceHandshakeLimitTests
{
    [Test]
    public async Task The_session_cap_from_configuration_refuses_the_second_session_of_an_address()
    {
        await using var server = await OrdersServer.StartAsync(new Dictionary<string, string?> { ["SocketIO:EngineIO:Limits:MaxSessionsPerAddress"] = "1" });
        using var first = await server.Http.GetAsync(new Uri("/socket.io/?EIO=4&transport=polling", UriKind.Relative)).Within();
        using var second = await server.Http.GetAsync(new Uri("/socket.io/?EIO=4&transport=polling", UriKind.Relative)).Within();
        var body = await second.Content.ReadAsStringAsync().Within();

        using var _ = new AssertionScope();
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        (await first.Content.ReadAsStringAsync().Within()).Should().StartWith("0{\"sid\":\"");
        second.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        body.Should().Be("{\"code\":4,\"message\":\"Too many sessions from this address\"}");
    }
}
