using System.Buffers.Text;
using System.Diagnostics;

namespace Orders.LoadGen.Client;

/// <summary>The few fields a client reads from an event's Socket.IO packet, found by their keys: no JSON parsing.</summary>
internal static class EventFields
{
    /// <summary>
    /// The orders scenario: <c>2["order:updated",{"order":{"id":"&lt;guid&gt;",...,"notes":"bench-N",...},...},"&lt;offset&gt;"]</c>.
    /// The order's id is its first property; the last argument is the event's position in the outbox as a string, the
    /// offset a client recovers from (-1 when absent). Nothing else is parsed.
    /// </summary>
    public static void ReportOrderUpdate(ReadOnlySpan<byte> p, OrderUpdateSink sink)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (!p.StartsWith("2[\"order:updated\","u8)) return;
        var at = p.IndexOf("\"id\":\""u8);
        if (at < 0 || p.Length < at + 6 + 36) return;
        var id = p.Slice(at + 6, 36);
        var seq = ReadNumber(p, "\"notes\":\"bench-"u8);
        if (seq >= 0) sink(id, seq, ReadOffset(p), arrived);
    }

    /// <summary>The trailing string argument of an event packet (<c>...,"123"]</c>) as a number, or -1 if it has none.</summary>
    public static long ReadOffset(ReadOnlySpan<byte> p)
    {
        if (!p.EndsWith("\"]"u8)) return -1;
        var body = p[..^2];
        var open = body.LastIndexOf((byte)'"');
        if (open < 1 || body[open - 1] != (byte)',' || open + 1 == body.Length) return -1;
        var digits = body[(open + 1)..];
        return Utf8Parser.TryParse(digits, out long value, out var used) && used == digits.Length ? value : -1;
    }

    public static long ReadNumber(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key)
    {
        var at = text.IndexOf(key);
        if (at < 0) return -1;
        return Utf8Parser.TryParse(text[(at + key.Length)..], out long value, out _) ? value : -1;
    }
}
