using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Orders.Protocol.SocketIO.Recovery;

// What a reconnecting socket.io-client adds to its CONNECT payload: { pid, offset } beside the application's own auth.
// Anything malformed is treated as absent: the client simply gets a fresh session.
internal static class RecoveryAttempt
{
    // Our pids are 24 characters; anything far longer is not one of ours.
    private const int MaxPidLength = 64;

    // long.MaxValue has 19 digits.
    private const int MaxOffsetLength = 19;

    public static bool TryRead(JsonElement auth, [NotNullWhen(true)] out string? pid, out long? offset, out string? problem)
    {
        pid = null;
        offset = null;
        problem = null;
        if (auth.ValueKind != JsonValueKind.Object || !auth.TryGetProperty("pid", out var pidValue)) return false;
        if (pidValue.ValueKind != JsonValueKind.String || pidValue.GetString() is not { Length: > 0 and <= MaxPidLength } text)
        {
            problem = "malformed pid";
            return false;
        }

        if (auth.TryGetProperty("offset", out var offsetValue) && offsetValue.ValueKind != JsonValueKind.Null)
        {
            if (offsetValue.ValueKind != JsonValueKind.String
                || offsetValue.GetString() is not { Length: > 0 and <= MaxOffsetLength } digits
                || !digits.All(char.IsAsciiDigit)
                || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                problem = "malformed offset";
                return false;
            }

            offset = parsed;
        }

        pid = text;
        return true;
    }
}
