using System.Buffers;
using System.Collections;
using System.Text;
using System.Text.Json;
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

    public static EncodedPacket Connect(string ns, string socketId) =>
        Control(SocketPacketType.Connect, ns, Encoding.UTF8.GetBytes($"{{\"sid\":\"{socketId}\"}}"));

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

    private static EncodedPacket Control(SocketPacketType type, string ns, ReadOnlySpan<byte> json)
    {
        var buffer = new ArrayBufferWriter<byte>(16 + json.Length);
        WriteHeader(buffer, type, ns, -1, 0);
        buffer.Write(json);
        return new EncodedPacket([OutgoingFrame.Text(buffer.WrittenSpan.ToArray())]);
    }

    private static EncodedPacket Encode(SocketPacketType type, string ns, long ackId, string? eventName, ReadOnlySpan<object?> args, JsonSerializerOptions options)
    {
        var payload = new ArrayBufferWriter<byte>(256);
        List<ReadOnlyMemory<byte>>? attachments = null;
        using (var writer = new Utf8JsonWriter(payload, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true }))
        {
            writer.WriteStartArray();
            if (eventName is not null) writer.WriteStringValue(eventName);
            foreach (var arg in args) WriteValue(writer, arg, ref attachments, options);
            writer.WriteEndArray();
        }

        var count = attachments?.Count ?? 0;
        if (count > 0) type = type == SocketPacketType.Event ? SocketPacketType.BinaryEvent : SocketPacketType.BinaryAck;

        var text = new ArrayBufferWriter<byte>(payload.WrittenCount + 32);
        WriteHeader(text, type, ns, ackId, count);
        text.Write(payload.WrittenSpan);

        var frames = new OutgoingFrame[1 + count];
        frames[0] = OutgoingFrame.Text(text.WrittenSpan.ToArray());
        for (var i = 0; i < count; i++) frames[i + 1] = OutgoingFrame.Binary(attachments![i]);
        return new EncodedPacket(frames);
    }

    private static void WriteHeader(ArrayBufferWriter<byte> buffer, SocketPacketType type, string ns, long ackId, int attachments)
    {
        Span<byte> digits = stackalloc byte[20];
        buffer.Write([EnginePacketType.Message, (byte)('0' + (byte)type)]);
        if (attachments > 0)
        {
            attachments.TryFormat(digits, out var n);
            buffer.Write(digits[..n]);
            buffer.Write("-"u8);
        }

        if (ns != "/")
        {
            var nsBytes = Encoding.UTF8.GetBytes(ns);
            buffer.Write(nsBytes);
            buffer.Write(","u8);
        }

        if (ackId >= 0)
        {
            ackId.TryFormat(digits, out var n);
            buffer.Write(digits[..n]);
        }
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
