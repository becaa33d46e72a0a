using System.Buffers.Text;
using System.Diagnostics;

namespace Orders.LoadGen.Client;

/// <summary>The few fields a client reads from an event's Socket.IO packet, found by their keys: no JSON parsing.</summary>
internal static class EventFields
{
    /// <summary>
    /// The orders scenario: <c>2["order:updated",{"order":{"id":"&lt;guid&gt;",...,"notes":"bench-N",...},...}]</c>. The order's
    /// id is its first property; nothing else is parsed.
    /// </summary>
    public static void ReportOrderUpdate(ReadOnlySpan<byte> p, OrderUpdateSink sink)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (!p.StartsWith("2[\"order:updated\","u8)) return;
        var at = p.IndexOf("\"id\":\""u8);
        if (at < 0 || p.Length < at + 6 + 36) return;
        var id = p.Slice(at + 6, 36);
        var seq = ReadNumber(p, "\"notes\":\"bench-"u8);
        if (seq >= 0) sink(id, seq, arrived);
    }

    public static long ReadNumber(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key)
    {
        var at = text.IndexOf(key);
        if (at < 0) return -1;
        return Utf8Parser.TryParse(text[(at + key.Length)..], out long value, out _) ? value : -1;
    }
}
