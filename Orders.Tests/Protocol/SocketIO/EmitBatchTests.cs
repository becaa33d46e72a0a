using System.Net.WebSockets;
using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>
/// WebSocket writes handed to the kernel together (io_uring on Linux): the send pump writes many sockets per
/// submission and a socket's waiting frames in one write, an <see cref="EmitBatch"/> holds many emits until it ends.
/// Every socket still gets every packet, whole and in order.
/// </summary>
public sealed class EmitBatchTests
{
    [Test]
    public async Task A_broadcast_to_more_sockets_than_one_submission_holds_reaches_each_in_order()
    {
        // 300 sockets: one broadcast takes two submissions (256 + 44).
        await using var run = await EveryoneAsync(300);
        var (server, clients) = (run.Server, run.Clients);
        server.IO.Writes.Enabled.Should().BeTrue("this machine has io_uring, so the batched path is the one under test");
        for (var i = 0; i < 20; i++) server.IO.Default.To("everyone").Emit("tick", i).Should().Be(300);

        var received = await Task.WhenAll(clients.Select(c => ReceiveAsync(c, 20)));
        received.Should().AllSatisfy(r => r.Should().Equal(Enumerable.Range(0, 20).Select(i => $"42[\"tick\",{i}]")));
    }

    [Test]
    public async Task Emits_in_a_batch_leave_when_it_ends_and_keep_their_order_per_socket()
    {
        await using var run = await OwnRoomsAsync(2);
        var (server, clients) = (run.Server, run.Clients);
        var batch = server.IO.BeginEmitBatch();
        server.IO.Default.To("room:1").Batched(batch).Emit("e", "a1").Should().Be(1);
        server.IO.Default.To("room:2").Batched(batch).Emit("e", "b1").Should().Be(1);
        server.IO.Default.To("room:1").Batched(batch).Emit("e", "a2").Should().Be(1);
        server.IO.Default.To("room:1").Batched(batch).Emit("e", "a3").Should().Be(1);

        var first = ReceiveAsync(clients[0], 3);
        await Task.Delay(300);
        first.IsCompleted.Should().BeFalse("nothing is written before the batch ends");

        batch.Dispose();
        using var _ = new AssertionScope();
        (await first).Should().Equal("42[\"e\",\"a1\"]", "42[\"e\",\"a2\"]", "42[\"e\",\"a3\"]");
        (await ReceiveAsync(clients[1], 1)).Should().Equal("42[\"e\",\"b1\"]");
    }

    [Test]
    public async Task Small_batched_frames_a_silent_client_takes_only_in_part_arrive_whole_while_the_batch_is_reused()
    {
        await using var run = await OwnRoomsAsync(2, o => o.EngineIO.SendQueueCapacity = 16_384);
        var (server, clients) = (run.Server, run.Clients);

        // 10,000 batches of two ~900-byte frames, each its own: small enough to be copied into the batch's arena.
        // The second client does not read yet, so after a few MB one of its batched writes comes back short or refused
        // while the first client's frames go on reusing the arena: the rest of that write must come from the frame,
        // not from the arena.
        const int count = 10_000;
        var payload = new string('z', 880);
        var reading = ReceiveAsync(clients[0], count);
        for (var i = 0; i < count; i++)
        {
            using var batch = server.IO.BeginEmitBatch();
            server.IO.Default.To("room:1").Batched(batch).Emit("small", i, payload).Should().Be(1);
            server.IO.Default.To("room:2").Batched(batch).Emit("small", i, payload).Should().Be(1);
        }

        var expected = Enumerable.Range(0, count).Select(i => $"42[\"small\",{i},\"{payload}\"]").ToList();
        (await reading).Should().Equal(expected);
        (await ReceiveAsync(clients[1], count)).Should().Equal(expected);
    }

    [Test]
    public async Task A_batch_never_disposed_is_written_when_it_is_finalized()
    {
        await using var run = await EveryoneAsync(2);
        var (server, clients) = (run.Server, run.Clients);
        EmitAndForget(server.IO);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var received = await Task.WhenAll(clients.Select(c => ReceiveAsync(c, 2)));
        received.Should().AllSatisfy(r => r.Should().Equal("42[\"late\",1]", "42[\"late\",2]"));
    }

    [Test]
    public async Task A_socket_whose_kernel_buffer_fills_mid_batch_gets_the_rest_in_order_once_it_reads()
    {
        await using var run = await EveryoneAsync(2, o => o.EngineIO.SendQueueCapacity = 4096);
        var (server, clients) = (run.Server, run.Clients);

        // 400 × 16 KB to both: far more than loopback buffers hold for a client that is not reading yet, so
        // batched sends come back short or refused and the connection goes on through Kestrel's pipe.
        var payload = new string('x', 16_000);
        for (var i = 0; i < 400; i++) server.IO.Default.To("everyone").Emit("big", i, payload).Should().Be(2);

        var received = await Task.WhenAll(clients.Select(c => ReceiveAsync(c, 400)));
        received.Should().AllSatisfy(r => r.Should().Equal(Enumerable.Range(0, 400).Select(i => $"42[\"big\",{i},\"{payload}\"]")));
    }

    [Test]
    public async Task With_batching_off_broadcasts_are_written_one_by_one_and_arrive_the_same()
    {
        await using var run = await EveryoneAsync(3, o => o.EngineIO.IO.BatchSends = false);
        var (server, clients) = (run.Server, run.Clients);
        server.IO.Writes.Enabled.Should().BeFalse();
        using (var batch = server.IO.BeginEmitBatch())
        {
            server.IO.Default.To("everyone").Batched(batch).Emit("tick", 1).Should().Be(3);
        }

        server.IO.Default.To("everyone").Emit("tick", 2).Should().Be(3);
        var received = await Task.WhenAll(clients.Select(c => ReceiveAsync(c, 2)));
        received.Should().AllSatisfy(r => r.Should().Equal("42[\"tick\",1]", "42[\"tick\",2]"));
    }

    [Test]
    public async Task Frames_that_wait_behind_a_write_leave_together_in_one_write_in_order()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000);
        var pump = server.IO.Writes.Pump;
        pump.Should().NotBeNull("coalescing is on by default where io_uring is available");
        var solo = SoloSocket.JoinedOn(server);
        var clients = await ConnectAsync(server, 1);
        try
        {
            // A frame emitted before the greeting's writer lets go would queue behind it, which would then write all ten.
            await solo.WaitUntilGreetingWrittenAsync();

            // The batch holds the first frame's write, so the next nine queue behind it; once it is written the
            // pump takes all nine in one write.
            var (writes, frames) = (pump!.Writes, pump.Frames);
            using (var batch = server.IO.BeginEmitBatch())
            {
                server.IO.Default.To("solo").Batched(batch).Emit("n", 0).Should().Be(1);
                for (var i = 1; i < 10; i++) server.IO.Default.To("solo").Emit("n", i).Should().Be(1);
            }

            (await ReceiveAsync(clients[0], 10)).Should().Equal(Enumerable.Range(0, 10).Select(i => $"42[\"n\",{i}]"));
            (pump.Writes - writes, pump.Frames - frames).Should().Be((1, 9), "the nine queued frames shared one write");
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Test]
    public async Task Gathered_writes_the_kernel_takes_only_in_part_still_deliver_every_frame_in_order()
    {
        await using var run = await EveryoneAsync(2, o => o.EngineIO.SendQueueCapacity = 8192);
        var (server, clients) = (run.Server, run.Clients);

        // 6,000 × 2 KB (more than loopback buffers hold): the pump gathers several frames per write. The second client does not read yet, so a
        // gathered write to it comes back short and the rest goes on by a slower path while the first client's
        // writes keep reusing the gather arena: that rest must not be read from the arena.
        var pump = server.IO.Writes.Pump!;
        var (writes, frames) = (pump.Writes, pump.Frames);
        var payload = new string('y', 2_000);
        var reading = ReceiveAsync(clients[0], 6_000);
        for (var i = 0; i < 6_000; i++) server.IO.Default.To("everyone").Emit("mid", i, payload).Should().Be(2);

        var expected = Enumerable.Range(0, 6_000).Select(i => $"42[\"mid\",{i},\"{payload}\"]").ToList();
        (await reading).Should().Equal(expected);
        (await ReceiveAsync(clients[1], 6_000)).Should().Equal(expected);
        (pump.Frames - frames).Should().BeGreaterThan(pump.Writes - writes, "some writes carried several frames");
    }

    [Test]
    public async Task A_burst_of_broadcasts_faster_than_the_pump_writes_does_not_overflow_clients_that_keep_reading()
    {
        await using var run = await EveryoneAsync(3);
        var (server, clients) = (run.Server, run.Clients);

        // Five times the send queue's capacity, emitted in a tight loop to clients that read all along: the
        // frames wait for the pump, not for the clients, so none may be closed for a full queue.
        var reading = clients.Select(c => ReceiveAsync(c, 5_000)).ToList();
        for (var i = 0; i < 5_000; i++) server.IO.Default.To("everyone").Emit("burst", i).Should().Be(3);

        var received = await Task.WhenAll(reading);
        received.Should().AllSatisfy(r => r.Should().Equal(Enumerable.Range(0, 5_000).Select(i => $"42[\"burst\",{i}]")));
    }

    [Test]
    public async Task Sockets_disconnected_behind_pumped_frames_get_the_frames_then_the_disconnect_then_the_close()
    {
        await using var run = await EveryoneAsync(3);
        var (server, clients) = (run.Server, run.Clients);
        for (var i = 0; i < 50; i++) server.IO.Default.To("everyone").Emit("tick", i).Should().Be(3);
        server.IO.Default.To("everyone").DisconnectSockets(close: true);

        foreach (var c in clients)
        {
            (await ReceiveAsync(c, 51)).Should().Equal(Enumerable.Range(0, 50).Select(i => $"42[\"tick\",{i}]").Append("41"));
            (await c.WaitForCloseAsync()).Should().BeTrue("the close follows what was queued before it");
        }
    }

    [Test]
    public async Task With_coalescing_off_the_emitting_thread_writes_and_frames_arrive_the_same()
    {
        await using var run = await EveryoneAsync(3, o => o.EngineIO.IO.CoalesceSends = false);
        var (server, clients) = (run.Server, run.Clients);
        server.IO.Writes.Pump.Should().BeNull();
        for (var i = 0; i < 5; i++) server.IO.Default.To("everyone").Emit("tick", i).Should().Be(3);
        var received = await Task.WhenAll(clients.Select(c => ReceiveAsync(c, 5)));
        received.Should().AllSatisfy(r => r.Should().Equal(Enumerable.Range(0, 5).Select(i => $"42[\"tick\",{i}]")));
    }

    // Not inlined, so no reference to the batch outlives the call.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void EmitAndForget(SocketIOServer io)
    {
        var batch = io.BeginEmitBatch();
        io.Default.To("everyone").Batched(batch).Emit("late", 1).Should().Be(2);
        io.Default.To("everyone").Batched(batch).Emit("late", 2).Should().Be(2);
    }

    /// <summary>A server whose every socket joins <c>everyone</c> in middleware, and <paramref name="count"/> connected clients.</summary>
    private static async Task<ServerAndClients> EveryoneAsync(int count, Action<SocketIOOptions>? socketIO = null)
    {
        var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: socketIO);
        server.IO.Default.Use(socket =>
        {
            socket.Join("everyone");
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        return new ServerAndClients(server, await ConnectAsync(server, count));
    }

    /// <summary>A server whose n-th socket joins <c>room:n</c> in middleware, and <paramref name="count"/> connected clients.</summary>
    private static async Task<ServerAndClients> OwnRoomsAsync(int count, Action<SocketIOOptions>? socketIO = null)
    {
        var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: socketIO);
        var joined = 0;
        server.IO.Default.Use(socket =>
        {
            socket.Join("room:" + Interlocked.Increment(ref joined));
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        return new ServerAndClients(server, await ConnectAsync(server, count));
    }

    private static async Task<List<ClientWebSocket>> ConnectAsync(ConformanceServer server, int count)
    {
        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < count; i++) clients.Add(await server.ConnectSocketIOAsync());
        return clients;
    }

    private static async Task<List<string>> ReceiveAsync(ClientWebSocket ws, int count)
    {
        var received = new List<string>();
        while (received.Count < count) received.Add(await ws.ReceiveTextSkippingPingsAsync());
        return received;
    }

    private sealed record ServerAndClients(ConformanceServer Server, List<ClientWebSocket> Clients) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var c in Clients) c.Dispose();
            await Server.DisposeAsync();
        }
    }
}
