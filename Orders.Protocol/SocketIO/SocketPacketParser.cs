using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Orders.Protocol.SocketIO;

/// <summary>A decoded Socket.IO packet: <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][JSON]</c>.</summary>
internal readonly record struct SocketPacket(SocketPacketType Type, string Namespace, long AckId, int Attachments, JsonElement? Data);

/// <summary>
/// Parses Socket.IO packets from the UTF-8 text of an Engine.IO message. Never throws: malformed input yields
/// false, and the caller closes the connection with the reason <c>parse error</c>.
/// </summary>
internal static class SocketPacketParser
{
    public const int MaxAttachments = 1000;
    private const int MaxAckIdDigits = 15;

    public static bool TryParse(ReadOnlySpan<byte> text, out SocketPacket packet) => TryParse(text, SocketIOOptions.DefaultMaxJsonDepth, out packet);

    /// <summary>As above; JSON nested deeper than <paramref name="maxJsonDepth"/> (the packet's own array counts) is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, int maxJsonDepth, out SocketPacket packet)
    {
        packet = default;
        if (text.IsEmpty || !Utf8.IsValid(text)) return false;
        var typeDigit = text[0] - (byte)'0';
        if (typeDigit is < 0 or > 6) return false;
        var type = (SocketPacketType)typeDigit;
        var i = 1;

        var attachments = 0;
        if (type is SocketPacketType.BinaryEvent or SocketPacketType.BinaryAck)
        {
            var start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                attachments = (attachments * 10) + (text[i] - '0');
                if (attachments > MaxAttachments) return false;
                i++;
            }

            if (i == start || i >= text.Length || text[i] != (byte)'-') return false;
            i++;
        }

        var ns = "/";
        if (i < text.Length && text[i] == (byte)'/')
        {
            var rest = text[i..];
            var comma = rest.IndexOf((byte)',');
            var nsBytes = comma < 0 ? rest : rest[..comma];
            ns = nsBytes.Length == 1 ? "/" : Encoding.UTF8.GetString(nsBytes);
            i += comma < 0 ? rest.Length : comma + 1;
        }

        long ackId = -1;
        if (i < text.Length && IsDigit(text[i]))
        {
            var start = i;
            ackId = 0;
            while (i < text.Length && IsDigit(text[i]))
            {
                if (i - start >= MaxAckIdDigits) return false;
                ackId = (ackId * 10) + (text[i] - '0');
                i++;
            }
        }

        JsonElement? data = null;
        var json = text[i..];
        if (!json.IsEmpty)
        {
            if (!TryParseJson(json, maxJsonDepth, out var element)) return false;
            data = element;
        }

        if (!IsValid(type, ackId, data)) return false;
        packet = new SocketPacket(type, ns, ackId, attachments, data);
        return true;
    }

    private static bool IsValid(SocketPacketType type, long ackId, JsonElement? data) => type switch
    {
        SocketPacketType.Connect => data is null || data.Value.ValueKind == JsonValueKind.Object,
        SocketPacketType.Disconnect => data is null,
        SocketPacketType.Event or SocketPacketType.BinaryEvent =>
            data is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0 && array[0].ValueKind == JsonValueKind.String,
        SocketPacketType.Ack or SocketPacketType.BinaryAck => ackId >= 0 && data is { ValueKind: JsonValueKind.Array },
        _ => false, // CONNECT_ERROR only ever travels from server to client
    };

    private static bool TryParseJson(ReadOnlySpan<byte> json, int maxDepth, out JsonElement element)
    {
        try
        {
            // ParseValue copies: the element outlives the pooled receive buffer. The depth bound keeps what the
            // application (and our placeholder walks, which recurse) is handed shallow.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
            element = JsonElement.ParseValue(ref reader);

            // One value and nothing after it but whitespace (anything else throws).
            return !reader.Read();
        }
        catch (JsonException)
        {
            element = default;
            return false;
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
