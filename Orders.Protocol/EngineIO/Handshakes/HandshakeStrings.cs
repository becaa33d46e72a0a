using System.Text;

namespace Orders.Protocol.EngineIO.Handshakes;

/// <summary>
/// Header names, and the values that repeat from client to client (one browser build's <c>User-Agent</c>, the site's
/// <c>Origin</c>, <c>Upgrade: websocket</c>), shared by every handshake instead of allocated per connection: a
/// session keeps its handshake headers for its whole life, so each string saved is saved once per connected client.
/// Values that are unique or secret (<c>Sec-WebSocket-Key</c>, <c>Cookie</c>, <c>Authorization</c>, unknown headers)
/// are never kept here.
/// </summary>
internal static class HandshakeStrings
{
    // Known names as clients spell them (a name spelt otherwise is allocated as sent), and whether their values
    // may be shared.
    private static readonly (string Name, bool ShareValue)[] Known =
    [
        ("Host", true), ("Upgrade", true), ("Connection", true), ("Sec-WebSocket-Key", false),
        ("Sec-WebSocket-Version", true), ("Sec-WebSocket-Extensions", true), ("Sec-WebSocket-Protocol", true),
        ("Origin", true), ("User-Agent", true), ("Accept-Encoding", true), ("Accept-Language", true),
        ("Cache-Control", true), ("Pragma", true), ("Cookie", false), ("Authorization", false),
        ("X-Forwarded-For", false), ("X-Forwarded-Proto", true),
    ];

    // The last value seen for each shareable name. Racy on purpose: a reference is read or written whole, and a
    // lost update only costs one allocation.
    private static readonly string?[] LastValues = new string?[Known.Length];

    // What socket.io-client sends for a WebSocket opened directly (no options of the application's in the query).
    private const string DirectWebSocketQuery = "?EIO=4&transport=websocket";

    /// <summary>
    /// The query string <paramref name="ascii"/> (with its <c>?</c>). The one every direct WebSocket client sends is
    /// shared; any other (a session id, an application's own parameters, which may be secret) is its own string.
    /// </summary>
    public static string Query(ReadOnlySpan<byte> ascii) =>
        Ascii.Equals(ascii, DirectWebSocketQuery) ? DirectWebSocketQuery : Encoding.ASCII.GetString(ascii);

    /// <summary>The header name for <paramref name="ascii"/>; <paramref name="known"/> is its index, or -1.</summary>
    public static string Name(ReadOnlySpan<byte> ascii, out int known)
    {
        for (var i = 0; i < Known.Length; i++)
        {
            var name = Known[i].Name;
            if (Ascii.Equals(ascii, name))
            {
                known = i;
                return name;
            }
        }

        known = -1;
        return Encoding.ASCII.GetString(ascii);
    }

    /// <summary>The value <paramref name="ascii"/> of the header <paramref name="known"/> (from <see cref="Name"/>).</summary>
    public static string Value(int known, ReadOnlySpan<byte> ascii)
    {
        if (known < 0 || !Known[known].ShareValue) return Encoding.ASCII.GetString(ascii);
        var last = Volatile.Read(ref LastValues[known]);
        if (last is not null && Ascii.Equals(ascii, last)) return last;
        var value = Encoding.ASCII.GetString(ascii);
        Volatile.Write(ref LastValues[known], value);
        return value;
    }
}
