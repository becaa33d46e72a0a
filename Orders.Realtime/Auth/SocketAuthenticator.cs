using Microsoft.Extensions.Logging;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Publishing;
using Orders.Realtime.Rooms;

namespace Orders.Realtime.Auth;

// Connection middleware of the main namespace: no valid token, no socket. The client sees the same
// connect_error the Node service sent, with the reason in err.data.
internal sealed partial class SocketAuthenticator(
    IAccessTokenValidator validator, TokenLifetime lifetime, RealtimeMetrics metrics, ILogger<SocketAuthenticator> logger)
{
    public const string RefusalMessage = "Authentication error: Invalid token";
    public const string UserIdItem = "orders.userId";
    public const string IsAdminItem = "orders.isAdmin";

    public async ValueTask<ConnectResult> AuthenticateAsync(Socket socket)
    {
        var token = HandshakeToken.Find(socket.Handshake);
        var check = token is null
            ? AccessTokenCheck.Refused(AccessTokenFailure.MissingToken)
            : await validator.ValidateAsync(token, CancellationToken.None).ConfigureAwait(false);

        if (check.Failure is { } failure)
        {
            var reason = ReasonOf(failure);
            metrics.AuthFailed(reason);
            LogRefused(logger, socket.Id, reason, socket.Handshake.RemoteAddress?.ToString());
            return ConnectResult.Reject(RefusalMessage, new { reason });
        }

        socket.Items[UserIdItem] = check.UserId;
        socket.Items[IsAdminItem] = check.IsAdmin;
        lifetime.Track(socket, check);

        // Joined here, in the middleware, the rooms are in place before the client hears it is connected:
        // an order event committed in between is not lost.
        socket.Join(OrderRooms.ForUser(check.UserId!));
        if (check.IsAdmin) socket.Join(OrderRooms.Admins);
        return ConnectResult.Accept;
    }

    // Who may recover a socket's session: the same user with the same rights (a user who lost the admin role does not get
    // the admins room back).
    public static string? OwnerOf(Socket socket) =>
        socket.Items.TryGetValue(UserIdItem, out var user) && user is string id
            ? socket.Items.TryGetValue(IsAdminItem, out var admin) && admin is true ? id + " (admin)" : id
            : null;

    public static string ReasonOf(AccessTokenFailure failure) => failure switch
    {
        AccessTokenFailure.MissingToken => "missing_token",
        AccessTokenFailure.TokenExpired => "token_expired",
        _ => "invalid_token",
    };

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Socket {SocketId} refused: {Reason} (from {RemoteAddress})")]
    private static partial void LogRefused(ILogger logger, string socketId, string reason, string? remoteAddress);
}
