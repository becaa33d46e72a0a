using Orders.Protocol.SocketIO;

namespace Orders.Conformance;

/// <summary>
/// The Socket.IO behaviour the reference test suite expects, plus a few events our own client tests use
/// (server-to-client acks, server-side disconnect, rooms, a namespace with refusing middleware).
/// </summary>
internal static class ConformanceBehaviour
{
    public static void Configure(SocketIOServer io)
    {
        io.Default.OnConnection(socket =>
        {
            socket.Emit("auth", socket.Handshake.Auth);
            socket.On("message", e =>
            {
                e.Socket.Emit("message-back", e.Args.ToEmitArgs());
                return ValueTask.CompletedTask;
            });
            socket.On("message-with-ack", e =>
            {
                e.Ack(e.Args.ToEmitArgs());
                return ValueTask.CompletedTask;
            });
            socket.On("call-me-back", CallMeBackAsync);
            socket.On("disconnect-me", e =>
            {
                e.Socket.Disconnect();
                return ValueTask.CompletedTask;
            });
            socket.On("join", e =>
            {
                e.Socket.Join(e.Args[0].GetString() ?? "");
                e.Ack(true);
                return ValueTask.CompletedTask;
            });
            socket.On("to-room", e =>
            {
                var args = e.Args.ToEmitArgs();
                e.Socket.Namespace.To(e.Args[0].GetString() ?? "").Emit(e.Args[1].GetString() ?? "", args[2..]);
                return ValueTask.CompletedTask;
            });
            return ValueTask.CompletedTask;
        });

        io.Of("/custom").OnConnection(socket =>
        {
            socket.Emit("auth", socket.Handshake.Auth);
            return ValueTask.CompletedTask;
        });

        io.Of("/restricted")
            .Use(socket => ValueTask.FromResult(
                socket.Handshake.Auth.TryGetProperty("token", out var token) && token.ValueEquals("let-me-in")
                    ? ConnectResult.Accept
                    : ConnectResult.Reject("not authorized", new { reason = "bad_token" })))
            .OnConnection(socket =>
            {
                socket.Emit("welcome", socket.Id);
                return ValueTask.CompletedTask;
            });
    }

    private static async ValueTask CallMeBackAsync(SocketEvent e)
    {
        var args = e.Args.ToEmitArgs();
        var eventName = e.Args[0].GetString() ?? "";
        try
        {
            var reply = await e.Socket.EmitWithAckAsync(eventName, TimeSpan.FromSeconds(5), CancellationToken.None, args[1..]);
            e.Socket.Emit("ack-result", reply.ToEmitArgs());
        }
        catch (TimeoutException)
        {
            e.Socket.Emit("ack-timeout", eventName);
        }
    }
}
