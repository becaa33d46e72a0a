using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Publishing;

namespace Orders.Realtime.Auth;

// Keeps a socket no longer than its access token: warns the client before the token's exp (auth:expiring), takes a
// renewed token in band (auth:renew), and ends the socket when the token is no longer valid (auth:expired, then a
// server-side disconnect). A recovered socket runs the handshake again, so it lives by the token it presented then.
internal sealed partial class TokenLifetime(
    IAccessTokenValidator validator, IOptions<TokenRenewalOptions> options, TimeProvider time, RealtimeMetrics metrics, ILogger<TokenLifetime> logger)
{
    public const string LeaseItem = "orders.tokenLease";

    public TimeProvider Time => time;

    public TokenRenewalOptions Options { get; } = options.Value;

    // From the handshake middleware; the timer starts once the socket is connected.
    public void Track(Socket socket, AccessTokenCheck check) => socket.Items[LeaseItem] = new TokenLease(socket, this, check);

    public ValueTask OnConnectedAsync(Socket socket)
    {
        if (!socket.Items.TryGetValue(LeaseItem, out var item) || item is not TokenLease lease) return ValueTask.CompletedTask;
        // The lease's own methods, not closures: two delegates are all a socket pays for beyond the lease and its timer.
        socket.OnDisconnect(lease.OnDisconnected);
        socket.On(TokenEvents.Renew, lease.OnRenew);
        lease.Start();
        return ValueTask.CompletedTask;
    }

    public void WarnExpiring(Socket socket, DateTimeOffset expiresAt) => socket.Emit(TokenEvents.Expiring, new { expiresAt });

    public void End(Socket socket, string userId)
    {
        metrics.TokenExpired();
        LogExpired(logger, socket.Id, userId);
        socket.Emit(TokenEvents.Expired, new { reason = TokenEvents.ExpiredReason });
        socket.Disconnect(close: true);
    }

    public async ValueTask RenewAsync(SocketEvent e, TokenLease lease)
    {
        var token = TokenOf(e.Args);
        var check = token is null
            ? AccessTokenCheck.Refused(AccessTokenFailure.MissingToken)
            : await validator.ValidateAsync(token, CancellationToken.None).ConfigureAwait(false);

        var refusal = check.Failure is { } failure ? SocketAuthenticator.ReasonOf(failure)
            : !string.Equals(check.UserId, lease.UserId, StringComparison.Ordinal) ? TokenEvents.SubjectMismatch
            : check.IsAdmin != lease.IsAdmin ? TokenEvents.RoleChanged
            : !lease.Renew(check) ? TokenEvents.ExpiredReason
            : null;

        metrics.TokenRenewal(refusal ?? "ok");
        if (refusal is not null)
        {
            LogRenewalRefused(logger, e.Socket.Id, lease.UserId, refusal);
            e.Ack(new { ok = false, reason = refusal });
            return;
        }

        LogRenewed(logger, e.Socket.Id, lease.UserId, check.ExpiresAt);
        e.Ack(new { ok = true, expiresAt = check.ExpiresAt });
    }

    // { token: "..." } as the first argument; anything else counts as no token.
    private static string? TokenOf(SocketArgs args) =>
        args.Count > 0
        && args[0] is { ValueKind: JsonValueKind.Object } payload
        && payload.TryGetProperty("token", out var token)
        && token.ValueKind == JsonValueKind.String
        && token.GetString() is { Length: > 0 } value
            ? value
            : null;

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Socket {SocketId} of user {UserId} ends: its access token expired")]
    private static partial void LogExpired(ILogger logger, string socketId, string userId);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Debug, Message = "Socket {SocketId} of user {UserId} renewed its access token until {ExpiresAt}")]
    private static partial void LogRenewed(ILogger logger, string socketId, string userId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Socket {SocketId} of user {UserId}: token renewal refused ({Reason})")]
    private static partial void LogRenewalRefused(ILogger logger, string socketId, string userId, string reason);
}
