using System.Diagnostics;
using System.Net;
using FluentAssertions.Execution;
using Microsoft.Extensions.Options;
using Orders.Tests.Protocol.EngineIO.Listening;

namespace Orders.Tests.Protocol.EngineIO.Limits;

/// <summary>
/// The per-address handshake rate (<c>Limits.HandshakeBurstPerAddress</c>): one budget for every way a handshake
/// arrives, refusals answered 429 with Engine.IO's error body, sessions already open untouched.
/// </summary>
public sealed class HandshakeRateLimitTests
{
    // Long enough that no token comes back while a test runs: refusals are then certain, not a race with the clock.
    private static readonly TimeSpan NoRefill = TimeSpan.FromHours(1);

    [TestCase(AcceptPath.Listener)]
    [TestCase(AcceptPath.Connection)]
    [TestCase(AcceptPath.AspNetCore)]
    public async Task WebSocket_handshakes_beyond_the_burst_are_refused_with_429_and_the_engine_error_body(AcceptPath path)
    {
        await using var server = await LimitedServer.StartAsync(path, l => (l.HandshakeBurstPerAddress, l.HandshakeRefill, l.HandshakeRefillPeriod) = (3, 1, NoRefill));
        var open = new List<RawClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var (client, head, open0) = await LimitedServer.WebSocketHandshakeAsync(server);
                open.Add(client);
                head.Should().StartWith("HTTP/1.1 101", $"handshake {i + 1} is within the burst");
                open0.Should().StartWith("0{\"sid\":\"");
            }

            var (refusedClient, refusedHead, body) = await LimitedServer.WebSocketHandshakeAsync(server);
            open.Add(refusedClient);

            using var _ = new AssertionScope();
            refusedHead.Should().StartWith("HTTP/1.1 429");
            refusedHead.Should().Contain("Content-Type: application/json");
            refusedHead.Should().MatchRegex(@"Retry-After: [1-9][0-9]*\r\n");
            LimitedServer.Error(body).Should().Be((4, "Too many handshakes from this address"));

            // The sessions already open go on working.
            await open[0].WriteAsync(RawClient.MaskedText("4still here"));
            (await open[0].ReadTextFrameAsync()).Should().Be("4still here");
        }
        finally
        {
            foreach (var client in open) await client.DisposeAsync();
        }
    }

    [TestCase(AcceptPath.Listener)]
    [TestCase(AcceptPath.Connection)]
    [TestCase(AcceptPath.AspNetCore)]
    public async Task WebSocket_and_polling_handshakes_of_one_address_share_one_budget(AcceptPath path)
    {
        await using var server = await LimitedServer.StartAsync(path, l => (l.HandshakeBurstPerAddress, l.HandshakeRefill, l.HandshakeRefillPeriod) = (4, 1, NoRefill));
        using var firstPoll = await LimitedServer.PollingHandshakeAsync(server);
        using var secondPoll = await LimitedServer.PollingHandshakeAsync(server);
        var (ws1, head1, _) = await LimitedServer.WebSocketHandshakeAsync(server);
        var (ws2, head2, _) = await LimitedServer.WebSocketHandshakeAsync(server);
        await using (ws1)
        await using (ws2)
        {
            // The burst is spent by both transports together: the next of either kind is refused.
            using var refusedPoll = await LimitedServer.PollingHandshakeAsync(server);
            var (ws3, refusedHead, _) = await LimitedServer.WebSocketHandshakeAsync(server);
            await using (ws3)
            {
                using var _ = new AssertionScope();
                firstPoll.StatusCode.Should().Be(HttpStatusCode.OK);
                secondPoll.StatusCode.Should().Be(HttpStatusCode.OK);
                head1.Should().StartWith("HTTP/1.1 101");
                head2.Should().StartWith("HTTP/1.1 101");
                refusedPoll.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                refusedPoll.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
                refusedPoll.Headers.RetryAfter.Should().NotBeNull();
                LimitedServer.Error(await refusedPoll.Content.ReadAsStringAsync()).Should().Be((4, "Too many handshakes from this address"));
                refusedHead.Should().StartWith("HTTP/1.1 429");
            }
        }
    }

    [Test]
    public async Task Requests_of_open_polling_sessions_are_not_counted()
    {
        await using var server = await LimitedServer.StartAsync(AcceptPath.Listener, l => (l.HandshakeBurstPerAddress, l.HandshakeRefill, l.HandshakeRefillPeriod) = (1, 1, NoRefill));
        var sid = await server.OpenPollingAsync(LimitedServer.EnginePath);
        for (var i = 0; i < 5; i++)
        {
            using var post = await server.PostAsync(LimitedServer.EnginePath, sid, "4echo");
            post.StatusCode.Should().Be(HttpStatusCode.OK, $"post {i + 1} belongs to an open session");
            using var poll = await server.GetAsync(LimitedServer.EnginePath, sid);
            (await poll.Content.ReadAsStringAsync()).Should().Be("4echo");
        }

        using var refused = await LimitedServer.PollingHandshakeAsync(server);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "a new session is still a handshake");
    }

    [Test]
    public async Task A_refused_address_is_admitted_again_once_its_bucket_refills()
    {
        await using var server = await LimitedServer.StartAsync(AcceptPath.Listener, l => (l.HandshakeBurstPerAddress, l.HandshakeRefill, l.HandshakeRefillPeriod) = (2, 1, TimeSpan.FromMilliseconds(500)));

        // Spend the burst, then ask until a refusal is seen: on a slow machine a token may come back in between.
        var refusedAfter = -1;
        for (var i = 0; i < 20 && refusedAfter < 0; i++)
        {
            using var response = await LimitedServer.PollingHandshakeAsync(server);
            if (LimitedServer.IsTooManyRequests(response)) refusedAfter = i;
        }

        refusedAfter.Should().BeGreaterThanOrEqualTo(2, "the burst of two is admitted");

        var waited = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            await Task.Delay(100);
            using var again = await LimitedServer.PollingHandshakeAsync(server);
            status = again.StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests && waited.Elapsed < TimeSpan.FromSeconds(5));

        status.Should().Be(HttpStatusCode.OK, "a token comes back every 500 ms");
    }

    [Test]
    public async Task Default_limits_admit_a_burst_of_a_hundred_handshakes_from_one_address()
    {
        await using var server = await ConformanceServer.StartAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            using var response = await LimitedServer.PollingHandshakeAsync(server);
            statuses.Add(response.StatusCode);
        }

        statuses.Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.OK));
    }

    [Test]
    public async Task Limits_turned_off_admit_every_handshake()
    {
        await using var server = await LimitedServer.StartAsync(AcceptPath.Listener, l => l.Disable());
        for (var i = 0; i < 400; i++)
        {
            using var response = await LimitedServer.PollingHandshakeAsync(server);
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"handshake {i + 1} with the limits off");
        }
    }

    [Test]
    public async Task Invalid_limits_fail_at_start()
    {
        var start = async () => await ConformanceServer.StartAsync(socketIO: o => (o.EngineIO.Limits.HandshakeBurstPerAddress, o.EngineIO.Limits.HandshakeRefill) = (10, 0));
        await start.Should().ThrowAsync<OptionsValidationException>().WithMessage("*HandshakeRefill*");
    }
}
