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

        using var reader = await server.ConnectWebSocketAsync("/socket.io/");
        await reader.ReceiveTextAsync();
        await reader.SendTextAsync("40");
        await reader.ReceiveTextAsync();
        await reader.ReceiveTextAsync();
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
}
