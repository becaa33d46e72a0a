using System.Net;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>Server-side disconnect with close, on both transports: queued packets first, then the transport ends.</summary>
public sealed class ServerCloseTests
{
    private const string Path = "/socket.io/";
    private ConformanceServer _server = null!;

    [SetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000, connectTimeoutMs: 5000);

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Polling_client_receives_disconnect_then_close_packet_and_the_session_ends()
    {
        var sid = await _server.OpenPollingAsync(Path);
        using (await _server.PostAsync(Path, sid, "40"))
        {
        }

        using (var connected = await _server.GetAsync(Path, sid))
        {
            (await connected.Content.ReadAsStringAsync()).Should().StartWith("40{");
        }

        var socket = _server.IO.Default.Sockets.Should().ContainSingle().Subject;
        socket.Emit("bye", "see you");
        socket.Disconnect(close: true);

        // As Node's engine.io: the last messages, then the close packet in a response of its own (socket.io-client
        // acts on a close packet at once but on events a tick later).
        using var last = await _server.GetAsync(Path, sid);
        using var close = await _server.GetAsync(Path, sid);
        using var after = await _server.GetAsync(Path, sid);
        using var _ = new AssertionScope();
        (await last.Content.ReadAsStringAsync()).Should().Be("42[\"bye\",\"see you\"]\u001e41");
        (await close.Content.ReadAsStringAsync()).Should().Be("1");
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        _server.IO.Default.SocketCount.Should().Be(0);
    }

    [Test]
    public async Task WebSocket_client_receives_disconnect_then_the_socket_closes()
    {
        using var ws = await _server.ConnectWebSocketAsync(Path);
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40");
        await ws.ReceiveTextAsync();
        await ws.ReceiveTextAsync();

        _server.IO.Default.Sockets.Should().ContainSingle().Subject.Disconnect(close: true);

        (await ws.ReceiveTextAsync()).Should().Be("41");
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Disconnect_handlers_hear_the_reason()
    {
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.IO.Default.OnConnection(s =>
        {
            s.OnDisconnect((_, r) =>
            {
                reason.TrySetResult(r.Name);
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });
        using var ws = await _server.ConnectWebSocketAsync(Path);
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("41");
        (await reason.Task.WaitAsync(ConformanceServer.Timeout)).Should().Be("client namespace disconnect");
    }
}
