using System.Buffers;
using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Orders.Protocol.Buffers;
using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// Encodes outgoing Socket.IO packets straight into Engine.IO frames. <c>byte[]</c> and
/// <c>ReadOnlyMemory&lt;byte&gt;</c> arguments, at top level or inside dictionaries and lists, become binary
/// attachments with <c>{"_placeholder":true,"num":n}</c> in their place.
/// </summary>
internal static class SocketPacketEncoder
{
    public static EncodedPacket Event(string ns, string eventName, ReadOnlySpan<object?> args, long ackId, JsonSerializerOptions options) =>
        Encode(SocketPacketType.Event, ns, ackId, eventName, args, options);

    public static EncodedPacket Ack(string ns, long ackId, ReadOnlySpan<object?> args, JsonSerializerOptions options) =>
        Encode(SocketPacketType.Ack, ns, ackId, null, args, options);

    // Both ids are URL-safe base64 of our own making: nothing in them needs escaping.
    public static EncodedPacket Connect(string ns, string socketId, string? pid = null) =>
        Control(SocketPacketType.Connect, ns, Encoding.UTF8.GetBytes(
            pid is null ? $"{{\"sid\":\"{socketId}\"}}" : $"{{\"sid\":\"{socketId}\",\"pid\":\"{pid}\"}}"));

    public static EncodedPacket Disconnect(string ns) => Control(SocketPacketType.Disconnect, ns, []);

    public static EncodedPacket ConnectError(string ns, string message, object? data, JsonSerializerOptions options)
    {
        var body = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            if (data is not null)
            {
                writer.WritePropertyName("data");
                JsonSerializer.Serialize(writer, data, data.GetType(), options);
            }

            writer.WriteEndObject();
        }

        return Control(SocketPacketType.ConnectError, ns, body.WrittenSpan);
    }

    private static EncodedPacket Control(SocketPacketType type, string ns, ReadOnlySpan<byte> json) =>
        new([Frame(type, ns, -1, 0, json)]);

    private static EncodedPacket Encode(SocketPacketType type, string ns, long ackId, string? eventName, ReadOnlySpan<object?> args, JsonSerializerOptions options)
    {
        var scratch = EncoderScratch.Rent(options.Encoder);
        try
        {
            var writer = scratch.Writer;
            List<ReadOnlyMemory<byte>>? attachments = null;
            writer.WriteStartArray();
            if (eventName is not null) writer.WriteStringValue(eventName);
            foreach (var arg in args) WriteValue(writer, arg, ref attachments, options);
            writer.WriteEndArray();
            writer.Flush();

            var count = attachments?.Count ?? 0;
            if (count > 0) type = type == SocketPacketType.Event ? SocketPacketType.BinaryEvent : SocketPacketType.BinaryAck;

            var text = Frame(type, ns, ackId, count, scratch.Payload.WrittenSpan);
            if (count == 0) return new EncodedPacket(text);
            var frames = new OutgoingFrame[1 + count];
            frames[0] = text;
            for (var i = 0; i < count; i++) frames[i + 1] = OutgoingFrame.Binary(attachments![i]);
            return new EncodedPacket(frames);
        }
        finally
        {
            // Rent empties it again, so one left half-written by a throwing converter is still fit to keep.
            scratch.Return();
        }
    }

    /// <summary>
    /// The whole text frame in one exact-size array, behind its WebSocket header: <c>4</c>, type, attachments,
    /// namespace, ack id, JSON.
    /// </summary>
    private static OutgoingFrame Frame(SocketPacketType type, string ns, long ackId, int attachments, ReadOnlySpan<byte> json)
    {
        var nsLength = ns == "/" ? 0 : Encoding.UTF8.GetByteCount(ns) + 1;
        var attachmentsLength = attachments > 0 ? CountDigits(attachments) + 1 : 0;
        var ackLength = ackId >= 0 ? CountDigits(ackId) : 0;
        var frame = OutgoingFrame.AllocateText(2 + attachmentsLength + nsLength + ackLength + json.Length, out var span);
        span[0] = EnginePacketType.Message;
        span[1] = (byte)('0' + (byte)type);
        var at = 2;
        if (attachments > 0)
        {
            attachments.TryFormat(span[at..], out var n);
            at += n;
            span[at++] = (byte)'-';
        }

        if (nsLength > 0)
        {
            at += Encoding.UTF8.GetBytes(ns, span[at..]);
            span[at++] = (byte)',';
        }

        if (ackId >= 0)
        {
            ackId.TryFormat(span[at..], out var n);
            at += n;
        }

        json.CopyTo(span[at..]);
        return frame;
    }

    private static int CountDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, ref List<ReadOnlyMemory<byte>>? attachments, JsonSerializerOptions options)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            case JsonElement { ValueKind: not JsonValueKind.Undefined } element:
                // Already valid JSON (its document parsed it): the text goes as it came instead of being re-tokenized
                // and re-escaped, the larger share of encoding an event built from a request body.
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
                return;
            case JsonElement element:
                element.WriteTo(writer);
                return;
            case byte[] bytes:
                WritePlaceholder(writer, bytes, ref attachments);
                return;
            case ReadOnlyMemory<byte> memory:
                WritePlaceholder(writer, memory, ref attachments);
                return;
            case IDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item, ref attachments, options);
                }

                writer.WriteEndObject();
                return;
            case IList list when value is not Array { Rank: > 1 }:
                writer.WriteStartArray();
                foreach (var item in list) WriteValue(writer, item, ref attachments, options);
                writer.WriteEndArray();
                return;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType(), options);
                return;
        }
    }

    private static void WritePlaceholder(Utf8JsonWriter writer, ReadOnlyMemory<byte> data, ref List<ReadOnlyMemory<byte>>? attachments)
    {
        attachments ??= [];
        writer.WriteStartObject();
        writer.WriteBoolean("_placeholder", true);
        writer.WriteNumber("num", attachments.Count);
        writer.WriteEndObject();
        attachments.Add(data);
    }
}
