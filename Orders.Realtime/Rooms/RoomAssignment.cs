using Microsoft.Extensions.Logging;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Auth;

namespace Orders.Realtime.Rooms;

// The server, never the client, puts a socket in its rooms (user:{sub}, and admins for admins): the
// authenticator joins them during the handshake; this logs the connection and its end.
internal sealed partial class RoomAssignment(ILogger<RoomAssignment> logger)
{
    public ValueTask OnConnectedAsync(Socket socket)
    {
        var userId = (string)socket.Items[SocketAuthenticator.UserIdItem]!;
        var isAdmin = socket.Items[SocketAuthenticator.IsAdminItem] is true;
        LogConnected(logger, socket.Id, userId, isAdmin, socket.Transport);
        socket.OnDisconnect((s, reason) =>
        {
            LogDisconnected(logger, s.Id, userId, reason.Name);
            return ValueTask.CompletedTask;
        });
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Socket {SocketId} connected: user {UserId} (admin: {IsAdmin}) over {Transport}")]
    private static partial void LogConnected(ILogger logger, string socketId, string userId, bool isAdmin, string transport);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Socket {SocketId} of user {UserId} disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string socketId, string userId, string reason);
}
