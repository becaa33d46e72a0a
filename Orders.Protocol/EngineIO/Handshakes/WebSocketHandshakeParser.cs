using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Orders.Protocol.EngineIO.Handshakes;

/// <summary>
/// Recognises a WebSocket upgrade request at the start of a connection. Strict on purpose: whatever it does not
/// fully understand (obsolete line folding, a body, non-ASCII bytes, an oversized head) is reported as
/// <see cref="HandshakeParseStatus.NotWebSocket"/> so that Kestrel's HTTP parser, with its own limits and error
/// answers, handles it instead.
/// </summary>
internal static class WebSocketHandshakeParser
{
    /// <summary>Largest request head taken at the connection; Kestrel's own limit (32 KiB) applies above it.</summary>
    public const int MaxHeadLength = 8192;

    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    // RFC 9110 tchar: what a header name is made of.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    public static HandshakeParseStatus TryParse(ReadOnlySequence<byte> buffer, out WebSocketHandshake? handshake, out SequencePosition headEnd)
    {
        handshake = null;
        headEnd = buffer.Start;

        Span<byte> start = stackalloc byte[5];
        var prefix = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, prefix).CopyTo(start);
        if (!"GET /"u8.StartsWith(start[..prefix])) return HandshakeParseStatus.NotWebSocket;

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
        {
            return buffer.Length > MaxHeadLength ? HandshakeParseStatus.NotWebSocket : HandshakeParseStatus.Incomplete;
        }

        if (head.Length > MaxHeadLength) return HandshakeParseStatus.NotWebSocket;
        headEnd = reader.Position;

        if (head.IsSingleSegment) return Parse(head.FirstSpan, out handshake);
        var copy = ArrayPool<byte>.Shared.Rent((int)head.Length);
        try
        {
            head.CopyTo(copy);
            return Parse(copy.AsSpan(0, (int)head.Length), out handshake);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static HandshakeParseStatus Parse(ReadOnlySpan<byte> head, out WebSocketHandshake? handshake)
    {
        handshake = null;
        if (!IsPrintableAscii(head)) return HandshakeParseStatus.NotWebSocket;

        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        if (!requestLine.StartsWith("GET /"u8) || !requestLine.EndsWith(" HTTP/1.1"u8)) return HandshakeParseStatus.NotWebSocket;
        var target = requestLine[4..^9];
        // Visible ASCII only (no blank or control byte, as Kestrel requires), and no fragment.
        if (target.IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0 || target.Contains((byte)'#')) return HandshakeParseStatus.NotWebSocket;

        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            if (!TryAddHeader(line, headers)) return HandshakeParseStatus.NotWebSocket;
        }

        if (!IsUpgrade(headers)) return HandshakeParseStatus.NotWebSocket;

        var question = target.IndexOf((byte)'?');
        var path = Encoding.ASCII.GetString(question < 0 ? target : target[..question]);
        var query = question < 0 ? "" : HandshakeStrings.Query(target[question..]);
        handshake = new WebSocketHandshake(path, query, headers, headers["Sec-WebSocket-Key"].ToString());
        return HandshakeParseStatus.WebSocket;
    }

    private static bool TryAddHeader(ReadOnlySpan<byte> line, Dictionary<string, StringValues> headers)
    {
        // An empty name, a name that is not a token (whitespace before the colon, a folded continuation line, a
        // separator inside it): leave it to Kestrel.
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenChars) || line.IndexOfAny((byte)'\r', (byte)'\n') >= 0) return false;
        var name = HandshakeStrings.Name(line[..colon], out var known);
        var value = HandshakeStrings.Value(known, line[(colon + 1)..].Trim(" \t"u8));
        headers[name] = headers.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        return true;
    }

    private static bool IsUpgrade(Dictionary<string, StringValues> headers)
    {
        // A request with a body, or without Host, is not a plain upgrade; Kestrel answers those.
        if (headers.ContainsKey("Content-Length") || headers.ContainsKey("Transfer-Encoding")) return false;
        if (!headers.TryGetValue("Host", out var host) || host.Count != 1) return false;
        if (!headers.TryGetValue("Upgrade", out var upgrade) || !HasToken(upgrade, "websocket")) return false;
        if (!headers.TryGetValue("Connection", out var connection) || !HasToken(connection, "upgrade")) return false;
        if (!headers.TryGetValue("Sec-WebSocket-Version", out var version) || version.Count != 1 || version.ToString() != "13") return false;
        return headers.TryGetValue("Sec-WebSocket-Key", out var key) && key.Count == 1 && IsValidKey(key.ToString());
    }

    private static bool HasToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            foreach (var part in value!.AsSpan().Split(','))
            {
                if (value.AsSpan(part).Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }

        return false;
    }

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    private static bool IsPrintableAscii(ReadOnlySpan<byte> head)
    {
        foreach (var b in head)
        {
            if (b is > 0x7E or (< 0x20 and not ((byte)'\r' or (byte)'\n' or (byte)'\t'))) return false;
        }

        return true;
    }
}
