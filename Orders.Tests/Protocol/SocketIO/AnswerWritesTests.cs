using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>
/// Packets answering one client packet leave packet by packet, as engine.io writes them, even when they had to wait
/// behind a write of the send pump or of a batch; frames of broadcasts and lone emits from elsewhere are still
/// gathered (EmitBatchTests).
/// </summary>
public sealed class AnswerWritesTests
{
    [Test]
    public async Task The_connect_answer_and_the_handlers_emit_that_wait_behind_a_write_leave_in_a_write_each()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000);
        var pump = server.IO.Writes.Pump;
        pump.Should().NotBeNull("coalescing is on by default where io_uring is available");
        var solo = SoloSocket.JoinedOn(server);

        // Registered after the conformance host's own handler, so it runs once the greeting is queued.
        var customConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.IO.Of("/custom").OnConnection(_ =>
        {
            customConnected.TrySetResult();
            return ValueTask.CompletedTask;
        });

        using var ws = await server.ConnectSocketIOAsync();
        var session = solo.Session;
        await solo.WaitUntilGreetingWrittenAsync();

        // The batch holds the session's writer, so the answers to 40/custom queue behind its frame, as they do behind a
        // ping or a broadcast the pump is still writing when the client's packet arrives.
        var (writes, frames) = (pump!.Writes, pump.Frames);
        using (var batch = server.IO.BeginEmitBatch())
        {
            server.IO.Default.To("solo").Batched(batch).Emit("held", 0).Should().Be(1);
            await ws.SendTextAsync("40/custom,");
            await customConnected.Task.WaitAsync(ConformanceServer.Timeout);
        }

        var received = new List<string>();
        for (var i = 0; i < 3; i++) received.Add(await ws.ReceiveTextSkippingPingsAsync());

        using var _ = new AssertionScope();
        received[0].Should().Be("42[\"held\",0]");
        received[1].Should().MatchRegex("^40/custom,\\{\"sid\":\"[^\"]+\"\\}$");
        received[2].Should().Be("42/custom,[\"auth\",{}]");
        (pump.Writes - writes, pump.Frames - frames).Should().Be((2, 2), "each answer went in a write of its own");
    }

    [Test]
    public async Task An_ack_that_waits_behind_a_write_leaves_alone_and_the_emits_behind_it_are_still_gathered()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000);
        var pump = server.IO.Writes.Pump!;
        var solo = SoloSocket.JoinedOn(server);
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.IO.Default.OnConnection(socket =>
        {
            socket.On("ping-me", e =>
            {
                e.Ack("pong");
                acked.TrySetResult();
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });

        using var ws = await server.ConnectSocketIOAsync();
        var session = solo.Session;
        await solo.WaitUntilGreetingWrittenAsync();

        var (writes, frames) = (pump.Writes, pump.Frames);
        using (var batch = server.IO.BeginEmitBatch())
        {
            server.IO.Default.To("solo").Batched(batch).Emit("held", 0).Should().Be(1);
            await ws.SendTextAsync("421[\"ping-me\"]");
            await acked.Task.WaitAsync(ConformanceServer.Timeout);

            // Emitted once the receive loop is done with the client's packet: not answers, so gathered as before.
            var deadline = DateTime.UtcNow + ConformanceServer.Timeout;
            while (session.Answering && DateTime.UtcNow < deadline) await Task.Delay(1);
            session.Answering.Should().BeFalse("the handler has returned");
            for (var i = 1; i <= 3; i++) server.IO.Default.To("solo").Emit("after", i).Should().Be(1);
        }

        var received = new List<string>();
        for (var i = 0; i < 5; i++) received.Add(await ws.ReceiveTextSkippingPingsAsync());

        using var _ = new AssertionScope();
        received.Should().Equal("42[\"held\",0]", "431[\"pong\"]", "42[\"after\",1]", "42[\"after\",2]", "42[\"after\",3]");
        (pump.Writes - writes, pump.Frames - frames).Should().Be((2, 4), "the ack went alone, the three emits behind it together");
    }
}
