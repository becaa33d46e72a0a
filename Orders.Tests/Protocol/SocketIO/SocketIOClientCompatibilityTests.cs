using System.Text.Json;
using FluentAssertions.Execution;
using SocketIOClient.Transport;
using Client = SocketIOClient.SocketIO;
using ClientOptions = SocketIOClient.SocketIOOptions;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>An independent client, the SocketIOClient NuGet package, against our server.</summary>
public sealed class SocketIOClientCompatibilityTests
{
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 5000, connectTimeoutMs: 5000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private Client NewClient(TransportProtocol transport, string path = "", object? auth = null) =>
        new(new Uri(_server.BaseUri, path), new ClientOptions
        {
            EIO = 4,
            Transport = transport,
            Auth = auth!,
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(5),
        });

    private static async Task ConnectAsync(Client client)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        await client.ConnectAsync().WaitAsync(ConformanceServer.Timeout);
        await connected.Task.WaitAsync(ConformanceServer.Timeout);
    }

    private static Task<SocketIOClient.SocketIOResponse> Next(Client client, string eventName)
    {
        var tcs = new TaskCompletionSource<SocketIOClient.SocketIOResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On(eventName, r => tcs.TrySetResult(r));
        return tcs.Task.WaitAsync(ConformanceServer.Timeout);
    }

    [TestCase(TransportProtocol.WebSocket)]
    [TestCase(TransportProtocol.Polling)]
    public async Task Emits_and_receives_events(TransportProtocol transport)
    {
        using var client = NewClient(transport, auth: new { token = "t1" });
        var auth = Next(client, "auth");
        await ConnectAsync(client);
        (await auth).GetValue<JsonElement>(0).GetProperty("token").GetString().Should().Be("t1");

        var back = Next(client, "message-back");
        await client.EmitAsync("message", 1, "two", new { three = "drei ✓" });
        var response = await back;
        using var _ = new AssertionScope();
        response.GetValue<int>(0).Should().Be(1);
        response.GetValue<string>(1).Should().Be("two");
        response.GetValue<JsonElement>(2).GetProperty("three").GetString().Should().Be("drei ✓");
    }

    [TestCase(TransportProtocol.WebSocket)]
    [TestCase(TransportProtocol.Polling)]
    public async Task Client_ack_is_answered_by_the_server(TransportProtocol transport)
    {
        using var client = NewClient(transport);
        await ConnectAsync(client);
        var acked = new TaskCompletionSource<SocketIOClient.SocketIOResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync("message-with-ack", r => acked.TrySetResult(r), "ping", 7);
        var response = await acked.Task.WaitAsync(ConformanceServer.Timeout);
        response.GetValue<string>(0).Should().Be("ping");
        response.GetValue<int>(1).Should().Be(7);
    }

    [Test]
    public async Task Server_ack_is_answered_by_the_client()
    {
        using var client = NewClient(TransportProtocol.WebSocket);
        await ConnectAsync(client);
        client.On("question", r => _ = r.CallbackAsync("answer", r.GetValue<int>(0) + 1));
        var result = Next(client, "ack-result");
        await client.EmitAsync("call-me-back", "question", 41);
        var response = await result;
        response.GetValue<string>(0).Should().Be("answer");
        response.GetValue<int>(1).Should().Be(42);
    }

    [Test]
    public async Task Binary_travels_both_ways()
    {
        using var client = NewClient(TransportProtocol.WebSocket);
        await ConnectAsync(client);
        var back = Next(client, "message-back");
        await client.EmitAsync("message", new byte[] { 1, 2, 3, 250 });
        var response = await back;
        response.InComingBytes.Should().ContainSingle().Which.Should().Equal(1, 2, 3, 250);
    }

    [Test]
    public async Task Custom_namespace_receives_its_own_events()
    {
        using var client = NewClient(TransportProtocol.WebSocket, "/custom", new { token = "ns" });
        var auth = Next(client, "auth");
        await ConnectAsync(client);
        (await auth).GetValue<JsonElement>(0).GetProperty("token").GetString().Should().Be("ns");
    }

    [Test]
    public async Task Connect_error_from_middleware_reaches_the_client()
    {
        using var client = NewClient(TransportProtocol.WebSocket, "/restricted", new { token = "wrong" });
        var error = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnError += (_, message) => error.TrySetResult(message);
        _ = client.ConnectAsync();
        var message = await error.Task.WaitAsync(ConformanceServer.Timeout);
        message.Should().Contain("not authorized");
        client.Connected.Should().BeFalse();
    }

    [Test]
    public async Task Server_side_disconnect_is_reported_and_the_client_can_connect_again()
    {
        using var client = NewClient(TransportProtocol.WebSocket);
        await ConnectAsync(client);
        var disconnected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnDisconnected += (_, reason) => disconnected.TrySetResult(reason);
        await client.EmitAsync("disconnect-me");
        (await disconnected.Task.WaitAsync(ConformanceServer.Timeout)).Should().Be("io server disconnect");

        using var again = NewClient(TransportProtocol.WebSocket);
        await ConnectAsync(again);
        var back = Next(again, "message-back");
        await again.EmitAsync("message", "hello again");
        (await back).GetValue<string>(0).Should().Be("hello again");
    }

    [Test]
    public async Task Room_broadcast_reaches_members_only()
    {
        using var member = NewClient(TransportProtocol.WebSocket);
        using var outsider = NewClient(TransportProtocol.Polling);
        await ConnectAsync(member);
        await ConnectAsync(outsider);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await member.EmitAsync("join", _ => joined.TrySetResult(), "vip");
        await joined.Task.WaitAsync(ConformanceServer.Timeout);

        var memberGot = Next(member, "news");
        var outsiderGot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        outsider.On("news", _ => outsiderGot.TrySetResult());
        await outsider.EmitAsync("to-room", "vip", "news", "hello vips");
        (await memberGot).GetValue<string>(0).Should().Be("hello vips");
        await Task.Delay(300);
        outsiderGot.Task.IsCompleted.Should().BeFalse();
    }

    [Test]
    public async Task Client_reconnects_by_itself_after_a_server_restart()
    {
        var first = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 5000, port: FreePort());
        ConformanceServer? second = null;
        var client = new Client(first.BaseUri, new ClientOptions
        {
            EIO = 4,
            Transport = TransportProtocol.WebSocket,
            Reconnection = true,
            ReconnectionDelay = 100,
            ReconnectionDelayMax = 500,
            ConnectionTimeout = TimeSpan.FromSeconds(5),
        });
        try
        {
            await ConnectAsync(client);

            // OnConnected, not OnReconnected: this client raises the latter only on some of its reconnect paths.
            var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.OnConnected += (_, _) => reconnected.TrySetResult();

            await first.App.StopAsync().WaitAsync(ConformanceServer.Timeout);
            second = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 5000, port: first.BaseUri.Port);
            await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(15));

            var back = Next(client, "message-back");
            await client.EmitAsync("message", "after restart");
            (await back).GetValue<string>(0).Should().Be("after restart");
        }
        finally
        {
            // The client must be gone before its server: disposed mid-reconnect, it crashes the process.
            client.Options.Reconnection = false;
            await client.DisconnectAsync().WaitAsync(ConformanceServer.Timeout);
            client.Dispose();
            if (second is not null) await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
