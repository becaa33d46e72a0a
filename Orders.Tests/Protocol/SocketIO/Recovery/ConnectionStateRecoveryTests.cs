using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orders.Protocol.SocketIO;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Tests.Protocol.SocketIO.Recovery;

// Connection state recovery of the library with its in-memory store, driven packet by packet over WebSocket: what
// socket.io-client 4.6+ sends ({ pid, offset } in CONNECT) and expects (pid in the answer, offsets as last argument).
public sealed class ConnectionStateRecoveryTests
{
    private const string Ns = "/r";

    [Test]
    public async Task The_connect_answer_carries_a_pid_and_broadcasts_carry_their_offset()
    {
        await using var server = await StartAsync();
        using var ws = await ConnectAsync(server, "{}");
        var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());

        server.IO.Of(Ns).To("members").Emit("news", 1).Should().Be(1);
        var first = await ws.ReceiveTextSkippingPingsAsync();
        server.IO.Of(Ns).Emit("news", 2);
        var second = await ws.ReceiveTextSkippingPingsAsync();

        using (new AssertionScope())
        {
            sid.Should().NotBeNullOrEmpty();
            pid.Should().NotBeNullOrEmpty().And.NotBe(sid);
            first.Should().Be("42/r,[\"news\",1,\"1\"]");
            second.Should().Be("42/r,[\"news\",2,\"2\"]");
        }
    }

    [Test]
    public async Task A_client_that_comes_back_gets_its_id_its_rooms_and_every_missed_event_in_order()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 1);

        ns.To("members").Emit("news", "a");
        ns.To("elsewhere").Emit("news", "not for it");
        ns.Except("members").Emit("news", "not for it either");
        ns.To("members").Emit("news", "b");

        using var back = await ConnectAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""");
        var (sid2, pid2) = ReadConnect(await back.ReceiveTextSkippingPingsAsync());
        var replayed = new[] { await back.ReceiveTextSkippingPingsAsync(), await back.ReceiveTextSkippingPingsAsync() };
        ns.To("members").Emit("news", "c");
        var live = await back.ReceiveTextSkippingPingsAsync();

        using (new AssertionScope())
        {
            sid2.Should().Be(sid);
            pid2.Should().Be(pid);
            replayed.Should().Equal("42/r,[\"news\",\"a\",\"2\"]", "42/r,[\"news\",\"b\",\"5\"]");
            live.Should().Be("42/r,[\"news\",\"c\",\"6\"]");
            ns.Sockets.Should().ContainSingle().Which.Recovered.Should().BeTrue();
            ns.Sockets.Single().Rooms.Should().BeEquivalentTo([sid, "members"]);
        }
    }

    [Test]
    public async Task Without_an_offset_a_client_recovers_everything_since_it_connected()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        ns.Emit("before", 0);
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 0);
        ns.To("members").Emit("news", "missed");

        using var back = await ComeBackAsync(server, $$"""{"pid":"{{pid}}"}""", sid);
        (await back.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"missed\",\"2\"]");
    }

    // socket.io-client presents no offset until an event reaches it, however often it reconnects meanwhile: a recovery
    // whose replay the client never read must leave the session's starting point where it was.
    [Test]
    public async Task A_client_that_drops_again_before_its_replay_arrives_gets_it_on_the_next_recovery()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        ns.Emit("before", 0);
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 0);
        ns.To("members").Emit("news", "missed");

        // Recovered, and gone again before reading the replay.
        using (var brief = await ComeBackAsync(server, $$"""{"pid":"{{pid}}"}""", sid))
        {
            await LeaveAsync(server, brief);
        }

        using var back = await ComeBackAsync(server, $$"""{"pid":"{{pid}}"}""", sid);
        (await back.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"missed\",\"2\"]");
    }

    // A broadcast can reach a socket from the moment middleware joins it to a room: it waits for the CONNECT answer,
    // and where a client that never read it recovers from lies before it.
    [Test]
    public async Task An_event_broadcast_while_the_client_connects_is_recovered_if_it_never_arrived()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        ns.Emit("before", 0);
        BroadcastWhileConnecting(ns, "while connecting", when: "first");
        using (var ws = await ConnectAsync(server, """{"first":true}"""))
        {
            // The event is not read: the client drops first.
            var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
            await LeaveAsync(server, ws);

            using var back = await ComeBackAsync(server, $$"""{"pid":"{{pid}}"}""", sid);
            (await back.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"while connecting\",\"2\"]");
        }
    }

    [Test]
    public async Task A_broadcast_while_a_client_connects_reaches_it_after_its_connect_answer()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        ns.Emit("before", 0);
        BroadcastWhileConnecting(ns, "while connecting");

        using var ws = await ConnectAsync(server, "{}");
        ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"while connecting\",\"2\"]");
    }

    // Middleware joins rooms before the socket knows it recovers a session: a broadcast in that window must neither come
    // before what the client missed nor come twice (the replay reads it from the store too).
    [Test]
    public async Task A_broadcast_while_a_client_recovers_comes_once_after_what_it_missed()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 1);
        ns.To("members").Emit("news", "missed");
        BroadcastWhileConnecting(ns, "while recovering", when: "pid");

        using var back = await ConnectAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""");
        var answer = await back.ReceiveTextSkippingPingsAsync();
        var replayed = new[] { await back.ReceiveTextSkippingPingsAsync(), await back.ReceiveTextSkippingPingsAsync() };
        ns.To("members").Emit("news", "after");
        var next = await back.ReceiveTextSkippingPingsAsync();

        using (new AssertionScope())
        {
            ReadConnect(answer).Sid.Should().Be(sid);
            replayed.Should().Equal("42/r,[\"news\",\"missed\",\"2\"]", "42/r,[\"news\",\"while recovering\",\"3\"]");
            next.Should().Be("42/r,[\"news\",\"after\",\"4\"]", "the event broadcast while recovering came once");
        }
    }

    // A recovering socket is recorded as connected once its replay is done; a client gone during the replay must stay
    // recorded as gone, with its rooms, or its next recovery replays nothing.
    [Test]
    public async Task A_client_that_leaves_during_its_replay_gets_everything_on_the_next_recovery()
    {
        GatedStore? store = null;
        await using var server = await StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<IConnectionStateStore>(
            sp => store = new GatedStore(ActivatorUtilities.CreateInstance<InMemoryConnectionStateStore>(sp)))));
        var ns = server.IO.Of(Ns);
        var handled = 0;
        ns.OnConnection(_ =>
        {
            Interlocked.Increment(ref handled);
            return ValueTask.CompletedTask;
        });
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 1);
        ns.To("members").Emit("news", "missed");

        // The plan's read passes; the second read, after the CONNECT answer, waits while the client leaves.
        store!.HoldAfter(passes: 1);
        using (var brief = await ComeBackAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""", sid))
        {
            await store.Reached.Task.WaitAsync(ConformanceServer.Timeout);
            await LeaveAsync(server, brief);
        }

        // The connection's handlers run once the replay is over and the connection recorded (or not).
        store.Release();
        await WaitUntilAsync(() => Volatile.Read(ref handled) == 2);
        ns.To("members").Emit("news", "missed too");

        using var back = await ComeBackAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""", sid);
        var replayed = new[] { await back.ReceiveTextSkippingPingsAsync(), await back.ReceiveTextSkippingPingsAsync() };
        replayed.Should().Equal("42/r,[\"news\",\"missed\",\"2\"]", "42/r,[\"news\",\"missed too\",\"3\"]");
    }

    [Test]
    public async Task A_socket_that_middleware_joins_then_refuses_is_taken_out_of_its_rooms()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        ns.Use(_ => ValueTask.FromResult(ConnectResult.Reject("not today")));

        using var ws = await ConnectAsync(server, "{}");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().StartWith($"44{Ns},");
        ns.To("members").Emit("news", "nobody").Should().Be(0);
    }

    [TestCase("""{"pid":"nobody-has-this-pid","offset":"1"}""", TestName = "An_unknown_pid_gets_a_fresh_session")]
    [TestCase("""{"pid":"PID","offset":"one"}""", TestName = "A_malformed_offset_gets_a_fresh_session")]
    [TestCase("""{"pid":"PID","offset":"123456789012345678901234567890"}""", TestName = "An_oversized_offset_gets_a_fresh_session")]
    [TestCase("""{"pid":"PID","offset":"99"}""", TestName = "A_future_offset_gets_a_fresh_session")]
    [TestCase("""{"pid":"PID","offset":-1}""", TestName = "An_offset_that_is_not_a_string_gets_a_fresh_session")]
    [TestCase("""{"pid":42,"offset":"1"}""", TestName = "A_pid_that_is_not_a_string_gets_a_fresh_session")]
    public async Task Bad_recovery_data_gets_a_fresh_session_without_an_error(string auth)
    {
        await using var server = await StartAsync();
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 1);
        server.IO.Of(Ns).To("members").Emit("news", "missed");

        using var back = await ConnectAsync(server, auth.Replace("PID", pid, StringComparison.Ordinal));
        var (sid2, pid2) = ReadConnect(await back.ReceiveTextSkippingPingsAsync());
        using (new AssertionScope())
        {
            sid2.Should().NotBe(sid);
            pid2.Should().NotBe(pid);
            server.IO.Of(Ns).Sockets.Should().ContainSingle().Which.Recovered.Should().BeFalse();
        }
    }

    [Test]
    public async Task A_session_past_the_window_is_not_recovered()
    {
        await using var server = await StartAsync(window: TimeSpan.FromMilliseconds(300));
        var (sid, pid) = await ConnectReceiveAndLeaveAsync(server, received: 1);
        await Task.Delay(600);

        using var back = await ConnectAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""");
        ReadConnect(await back.ReceiveTextSkippingPingsAsync()).Sid.Should().NotBe(sid);
        server.IO.Of(Ns).Sockets.Should().ContainSingle().Which.Recovered.Should().BeFalse();
    }

    [Test]
    public async Task A_pid_presented_by_another_owner_recovers_nothing_of_the_first()
    {
        await using var server = await StartAsync(owner: socket => socket.Handshake.Auth.TryGetProperty("user", out var u) ? u.GetString() : null);
        var ns = server.IO.Of(Ns);
        using var alice = await ConnectAsync(server, """{"user":"alice"}""");
        var (aliceSid, pid) = ReadConnect(await alice.ReceiveTextSkippingPingsAsync());
        await LeaveAsync(server, alice);
        ns.To(aliceSid).Emit("private", "for alice");

        using var mallory = await ConnectAsync(server, $$"""{"user":"mallory","pid":"{{pid}}"}""");
        var (sid, _) = ReadConnect(await mallory.ReceiveTextSkippingPingsAsync());
        ns.To("members").Emit("news", "for members");

        using (new AssertionScope())
        {
            sid.Should().NotBe(aliceSid);
            (await mallory.ReceiveTextSkippingPingsAsync()).Should().Contain("for members", "alice's missed event is never replayed to mallory");
            ns.Sockets.Should().ContainSingle().Which.Recovered.Should().BeFalse();
        }
    }

    [Test]
    public async Task A_client_that_reconnects_before_its_old_connection_is_noticed_takes_it_over()
    {
        await using var server = await StartAsync();
        var ns = server.IO.Of(Ns);
        using var old = await ConnectAsync(server, "{}");
        var (sid, pid) = ReadConnect(await old.ReceiveTextSkippingPingsAsync());
        ns.To("members").Emit("news", "seen");
        await old.ReceiveTextSkippingPingsAsync();
        ns.To("members").Emit("news", "lost in transit");

        using var back = await ComeBackAsync(server, $$"""{"pid":"{{pid}}","offset":"1"}""", sid);
        (await back.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"lost in transit\",\"2\"]");
        ns.To("members").Emit("news", "once").Should().Be(1, "the old socket is gone");
        (await back.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",\"once\",\"3\"]");
    }

    [Test]
    public async Task A_client_that_leaves_on_purpose_cannot_be_recovered()
    {
        await using var server = await StartAsync();
        using var ws = await ConnectAsync(server, "{}");
        var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
        await ws.SendTextAsync("41/r,");
        await WaitUntilAsync(() => server.IO.Of(Ns).SocketCount == 0);

        await ws.SendTextAsync($$"""40/r,{"pid":"{{pid}}","offset":"0"}""");
        ReadConnect(await ws.ReceiveTextSkippingPingsAsync()).Sid.Should().NotBe(sid);
    }

    [Test]
    public async Task Emits_carry_no_offset_while_recovery_is_off()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);

        // Joined by middleware, before the CONNECT answer: a connection handler runs after it (as socket.io's does), so
        // an emit right after the answer could find the room still empty.
        server.IO.Of(Ns).Use(socket =>
        {
            socket.Join("members");
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        using var ws = await server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/r,");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().MatchRegex("^40/r,\\{\"sid\":\"[^\"]+\"\\}$");
        server.IO.Of(Ns).To("members").EmitWithOffset(7, "news", 1);
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("42/r,[\"news\",1]");
    }

    private static Task<ConformanceServer> StartAsync(
        TimeSpan? window = null, Func<Socket, string?>? owner = null, Action<IServiceCollection>? services = null) =>
        ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000, services: services, socketIO: o =>
        {
            o.ConnectionStateRecovery.Enabled = true;
            o.ConnectionStateRecovery.MaxDisconnectionDuration = window ?? TimeSpan.FromMinutes(2);
            o.ConnectionStateRecovery.SessionOwner = owner;
        }).ContinueWith(t =>
        {
            t.Result.IO.Of(Ns).Use(socket =>
            {
                socket.Join("members");
                return ValueTask.FromResult(ConnectResult.Accept);
            });
            return t.Result;
        }, TaskScheduler.Default);

    private static async Task<ClientWebSocket> ConnectAsync(ConformanceServer server, string auth)
    {
        var ws = await server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync($"40{Ns},{auth}");
        return ws;
    }

    // A middleware after the one that joins "members" broadcasts `news` to them for a client whose auth has `when` (or
    // any): as another thread's broadcast would land between the join and the socket's connection.
    private static void BroadcastWhileConnecting(SocketIONamespace ns, string news, string? when = null) =>
        ns.Use(socket =>
        {
            if (when is null || socket.Handshake.Auth.TryGetProperty(when, out _)) ns.To("members").Emit("news", news);
            return ValueTask.FromResult(ConnectResult.Accept);
        });

    // Reconnects presenting `auth` and checks the session was recovered (its socket id); what it replays is left to read.
    private static async Task<ClientWebSocket> ComeBackAsync(ConformanceServer server, string auth, string sid)
    {
        var ws = await ConnectAsync(server, auth);
        ReadConnect(await ws.ReceiveTextSkippingPingsAsync()).Sid.Should().Be(sid);
        return ws;
    }

    // Connects, receives `received` broadcasts, and drops the connection; returns once the server noticed.
    private static async Task<(string Sid, string Pid)> ConnectReceiveAndLeaveAsync(ConformanceServer server, int received)
    {
        using var ws = await ConnectAsync(server, "{}");
        var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
        for (var i = 0; i < received; i++)
        {
            server.IO.Of(Ns).To("members").Emit("news", "seen");
            await ws.ReceiveTextSkippingPingsAsync();
        }

        await LeaveAsync(server, ws);
        return (sid, pid!);
    }

    private static async Task LeaveAsync(ConformanceServer server, ClientWebSocket ws)
    {
        ws.Abort();
        await WaitUntilAsync(() => server.IO.Of(Ns).SocketCount == 0);
    }

    private static (string Sid, string? Pid) ReadConnect(string packet)
    {
        packet.Should().StartWith($"40{Ns},");
        using var json = JsonDocument.Parse(packet[(Ns.Length + 3)..]);
        var root = json.RootElement;
        return (root.GetProperty("sid").GetString()!, root.TryGetProperty("pid", out var pid) ? pid.GetString() : null);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(ConformanceServer.Timeout);
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
