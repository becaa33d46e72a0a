using System.Diagnostics;
using System.Net;
using FluentAssertions.Execution;
using Orders.Tests.Protocol.EngineIO.Listening;

namespace Orders.Tests.Protocol.EngineIO.Limits;

/// <summary>
/// The cap on open sessions per address (<c>Limits.MaxSessionsPerAddress</c>): counted across transports and accept
/// paths, refused with 429 and Engine.IO's error body, and given back when a session closes.
/// </summary>
public sealed class SessionCapTests
{
    [TestCase(AcceptPath.Listener)]
    [TestCase(AcceptPath.Connection)]
    [TestCase(AcceptPath.AspNetCore)]
    public async Task The_session_beyond_the_cap_is_refused_and_admitted_once_one_closes(AcceptPath path)
    {
        await using var server = await LimitedServer.StartAsync(path, l => l.MaxSessionsPerAddress = 2);
        var (ws, head, _) = await LimitedServer.WebSocketHandshakeAsync(server);
        RawClient? extra = null;
        try
        {
            var sid = await server.OpenPollingAsync(LimitedServer.EnginePath);
            using var refusedPoll = await LimitedServer.PollingHandshakeAsync(server);
            var (refusedWs, refusedHead, refusedBody) = await LimitedServer.WebSocketHandshakeAsync(server);
            await using (refusedWs)
            {
                using var _ = new AssertionScope();
                head.Should().StartWith("HTTP/1.1 101");
                refusedPoll.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                LimitedServer.Error(await refusedPoll.Content.ReadAsStringAsync()).Should().Be((4, "Too many sessions from this address"));
                refusedHead.Should().StartWith("HTTP/1.1 429");
                LimitedServer.Error(refusedBody).Should().Be((4, "Too many sessions from this address"));
            }

            // The WebSocket session ends (its client goes away): its place is free again, for either transport.
            await ws.DisposeAsync();
            var admitted = await EventuallyAsync(async () =>
            {
                using var poll = await LimitedServer.PollingHandshakeAsync(server);
                return poll.StatusCode == HttpStatusCode.OK;
            });
            admitted.Should().BeTrue("the closed session gave its place back");

            // Two open again (the polling session and the new one): full until the polling session closes too.
            var (third, thirdHead, _) = await LimitedServer.WebSocketHandshakeAsync(server);
            extra = third;
            thirdHead.Should().StartWith("HTTP/1.1 429");
            using var close = await server.PostAsync(LimitedServer.EnginePath, sid, "1");
            (await EventuallyAsync(async () =>
            {
                var (client, reopened, _) = await LimitedServer.WebSocketHandshakeAsync(server);
                await client.DisposeAsync();
                return reopened.StartsWith("HTTP/1.1 101", StringComparison.Ordinal);
            })).Should().BeTrue("the polling session closed by its client gave its place back");
        }
        finally
        {
            await ws.DisposeAsync();
            if (extra is not null) await extra.DisposeAsync();
        }
    }

    [Test]
    public async Task Sessions_under_the_cap_all_work()
    {
        await using var server = await LimitedServer.StartAsync(AcceptPath.Listener, l => l.MaxSessionsPerAddress = 20);
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var (client, head, _) = await LimitedServer.WebSocketHandshakeAsync(server);
                clients.Add(client);
                head.Should().StartWith("HTTP/1.1 101", $"session {i + 1} is within the cap");
            }

            foreach (var client in clients) await client.WriteAsync(RawClient.MaskedText("4ping"));
            foreach (var client in clients) (await client.ReadTextFrameAsync()).Should().Be("4ping");
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    // Closes are seen by the server a moment after the client acts: ask again until yes, for at most 5 s.
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> check)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await check()) return true;
            await Task.Delay(50);
        }

        return false;
    }
}
