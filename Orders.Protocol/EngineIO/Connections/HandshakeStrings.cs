using System.Text;

namespace Orders.Protocol.EngineIO.Connections;

/// <summary>
/// Header names, and the values that repeat from client to client (one browser build's <c>User-Agent</c>, the site's
/// <c>Origin</c>, <c>Upgrade: websocket</c>), shared by every handshake instead of allocated per connection: a
/// session keeps its handshake headers for its whole life, so each string saved is saved once per connected client.
/// Values that are unique or secret (<c>Sec-WebSocket-Key</c>, <c>Cookie</c>, <c>Authorization</c>, unknown headers)
/// are never kept here.
/// </summary>
internal static class HandshakeStrings
{
    // Known names as clients spell them; a name spelt otherwise is allocated as sent.
    private static readonly string[] Names =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Protocol", "Origin", "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control",
        "Pragma", "Cookie", "Authorization", "X-Forwarded-For", "X-Forwarded-Proto",
    ];

    // Whether the value of the name at the same index may be shared.
    private static readonly bool[] Shareable =
    [
        true, true, true, false, true, true,
        true, true, true, true, true, true,
        true, false, false, false, true,
    ];

    // The last value seen for each shareable name. Racy on purpose: a reference is read or written whole, and a
    // lost update only costs one allocation.
    private static readonly string?[] LastValues = new string?[Names.Length];

    /// <summary>The header name for <paramref name="ascii"/>; <paramref name="known"/> is its index, or -1.</summary>
    public static string Name(ReadOnlySpan<byte> ascii, out int known)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (Names[i].Length == ascii.Length && Ascii.Equals(ascii, Names[i]))
            {
                known = i;
                return Names[i];
            }
        }

        known = -1;
        return Encoding.ASCII.GetString(ascii);
    }

    /// <summary>The value <paramref name="ascii"/> of the header <paramref name="known"/> (from <see cref="Name"/>).</summary>
    public static string Value(int known, ReadOnlySpan<byte> ascii)
    {
        if (known < 0 || !Shareable[known]) return Encoding.ASCII.GetString(ascii);
        var last = Volatile.Read(ref LastValues[known]);
        if (last is not null && last.Length == ascii.Length && Ascii.Equals(ascii, last)) return last;
        var value = Encoding.ASCII.GetString(ascii);
        Volatile.Write(ref LastValues[known], value);
        return value;
    }
}
