namespace Orders.Realtime.Auth;

// The events of a socket's token, as the README documents them for clients.
internal static class TokenEvents
{
    // Server → client, { expiresAt }: renew before the socket ends.
    public const string Expiring = "auth:expiring";

    // Server → client, { reason: "token_expired" }: sent just before the server disconnects the socket.
    public const string Expired = "auth:expired";

    // Client → server, { token } with an ack: { ok: true, expiresAt } or { ok: false, reason }.
    public const string Renew = "auth:renew";

    public const string ExpiredReason = "token_expired";
    public const string SubjectMismatch = "subject_mismatch";
    public const string RoleChanged = "role_changed";
}
