using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class BackpressureTests
{
    [Test]
    public async Task Client_that_stops_reading_is_disconnected_when_its_queue_fills_and_others_keep_receiving()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: o => o.SendQueueCapacity = 16);
        var reasons = new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sockets = new List<Socket>();
        server.IO.Default.OnConnection(socket =>
        {
            lock (sockets) sockets.Add(socket);
            socket.Join("everyone");
            socket.OnDisconnect((_, reason) =>
            {
                reasons.TrySetResult(reason);
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });

        // A polling client that never polls again: everything queues for it.
        var sid = await server.OpenPollingAsync("/socket.io/");
        using (await server.PostAsync("/socket.io/", sid, "40"))
        {
        }

        using var reader = await server.ConnectSocketIOAsync();
        await Task.Delay(100);

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
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: o => o.SendQueueCapacity = 16);
        server.IO.SendBatches.Pump.Should().NotBeNull("broadcasts go through the send pump here");
        var reasons = new TaskCompletionSource<DisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sockets = new List<Socket>();
        server.IO.Default.OnConnection(socket =>
        {
            lock (sockets) sockets.Add(socket);
            socket.Join("everyone");
            socket.OnDisconnect((_, reason) =>
            {
                reasons.TrySetResult(reason);
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stalled = await server.ConnectSocketIOAsync();
        using var reader = await server.ConnectSocketIOAsync();
        var connected = clock.Elapsed;

        // 64 KB frames, each read by the reader before the next: far more than loopback buffers hold for the client
        // that never reads, whose writes come back short; it moves to the slow path, and only then does its queue
        // count against it.
        var payload = new string('z', 64_000);
        for (var i = 0; i < 300; i++)
        {
            var emittedAt = clock.Elapsed;
            var handed = server.IO.Default.To("everyone").Emit("big", i, payload);
            string text;
            try
            {
                text = await reader.ReceiveTextSkippingPingsAsync();
            }
            catch (OperationCanceledException ex)
            {
                // This wait timed out in some full runs and never with this class alone (README, Tests): say where every frame was.
                var pump = server.IO.SendBatches.Pump!;
                string states;
                lock (sockets) states = string.Join("; ", sockets.Select(s => $"{s.Id}: {s.Client.Session.DescribeSending()}"));
                var first = reasons.Task.IsCompletedSuccessfully ? reasons.Task.Result.Name : "none yet";
                throw new AssertionException($"broadcast {i} (handed to {handed} sockets at {emittedAt.TotalSeconds:F2} s; connected at {connected.TotalSeconds:F2} s; now {clock.Elapsed.TotalSeconds:F2} s) did not reach the reader: first disconnect: {first}; pump idle={pump.IsIdle} writes={pump.Writes} frames={pump.Frames}; {states}", ex);
            }

            text.Should().Be($"42[\"big\",{i},\"{payload}\"]");
        }

        var reason = await reasons.Task.WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        reason.Name.Should().Be("send queue full");
        server.IO.Default.SocketCount.Should().Be(1);
    }
}
