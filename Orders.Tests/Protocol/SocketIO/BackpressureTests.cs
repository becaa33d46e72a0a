using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class BackpressureTests
{
    [Test]
    public async Task Client_that_stops_reading_is_disconnected_when_its_queue_fills_and_others_keep_receiving()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: o => o.EngineIO.SendQueueCapacity = 16);
        var reasons = JoinEveryone(server);

        // A polling client that never polls again: everything queues for it.
        var sid = await server.OpenPollingAsync("/socket.io/");
        using (await server.PostAsync("/socket.io/", sid, "40"))
        {
        }

        using var reader = await server.ConnectSocketIOAsync();

        var received = 0;
        for (var i = 0; i < 40; i++)
        {
            server.IO.Default.To("everyone").Emit("tick", i);
            (await reader.ReceiveTextAsync()).Should().Be($"42[\"tick\",{i}]");
            received++;
        }

        var reason = await reasons.Task.WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        reason.Name.Should().Be("send queue full");
        received.Should().Be(40);
        server.IO.Default.SocketCount.Should().Be(1);
    }

    [Test]
    public async Task WebSocket_client_that_stops_reading_is_disconnected_while_broadcasts_through_the_pump_reach_the_reader()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: o => o.EngineIO.SendQueueCapacity = 16);
        server.IO.Writes.Pump.Should().NotBeNull("broadcasts go through the send pump here");
        var reasons = JoinEveryone(server);

        using var stalled = await server.ConnectSocketIOAsync();
        using var reader = await server.ConnectSocketIOAsync();

        // 64 KB frames, each read by the reader before the next: far more than loopback buffers hold for the client
        // that never reads, whose writes come back short; it moves to the slow path, and only then does its queue
        // count against it.
        var payload = new string('z', 64_000);
        for (var i = 0; i < 300; i++)
        {
            var handed = server.IO.Default.To("everyone").Emit("big", i, payload);
            if (i == 0) handed.Should().Be(2, "both clients are in the room before they hear their CONNECT answers");
            (await reader.ReceiveTextSkippingPingsAsync()).Should().Be($"42[\"big\",{i},\"{payload}\"]");
        }

        var reason = await reasons.Task.WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        reason.Name.Should().Be("send queue full");
        server.IO.Default.SocketCount.Should().Be(1);
    }

    /// <summary>
    /// Joins every socket to <c>everyone</c> in connection middleware, so the join is in place before the client hears
    /// its CONNECT answer; the task completes with the first disconnect's reason. Joined in a connection handler
    /// instead, it raced the test: the host's greeting (which <see cref="ConformanceServer.ConnectSocketIOAsync"/>
    /// waits for) is sent by an earlier handler, and a test that emitted as soon as it arrived now and then found only
    /// the other socket in the room.
    /// </summary>
    private static TaskCompletionSource<DisconnectReason> JoinEveryone(ConformanceServer server)
    {
        var reasons = new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.IO.Default.Use(socket =>
        {
            socket.Join("everyone");
            socket.OnDisconnect((_, reason) =>
            {
                reasons.TrySetResult(reason);
                return ValueTask.CompletedTask;
            });
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        return reasons;
    }
}
