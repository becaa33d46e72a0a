using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class SocketPacketEncoderTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Text(EncodedPacket packet) => Encoding.UTF8.GetString(packet.Text);

    [Test]
    public void Event_to_main_namespace_carries_engine_message_prefix()
    {
        Text(SocketPacketEncoder.Event("/", "hello", [1, "2", new { three = true }], -1, Json))
            .Should().Be("42[\"hello\",1,\"2\",{\"three\":true}]");
    }

    [Test]
    public void Event_with_namespace_and_ack_id()
    {
        Text(SocketPacketEncoder.Event("/admin", "ping", [], 13, Json)).Should().Be("42/admin,13[\"ping\"]");
    }

    [Test]
    public void Ack_has_no_event_name()
    {
        Text(SocketPacketEncoder.Ack("/", 456, [1, "2"], Json)).Should().Be("43456[1,\"2\"]");
    }

    [Test]
    public void Binary_arguments_become_placeholders_and_attachment_frames()
    {
        var packet = SocketPacketEncoder.Event("/", "file", [new byte[] { 1, 2, 3 }, new Dictionary<string, object?> { ["inner"] = new byte[] { 4 } }], -1, Json);
        using var _ = new AssertionScope();
        Text(packet).Should().Be("452-[\"file\",{\"_placeholder\":true,\"num\":0},{\"inner\":{\"_placeholder\":true,\"num\":1}}]");
        packet.Frames.ToArray().Should().HaveCount(3);
        packet.Frames[1].IsBinary.Should().BeTrue();
        packet.Frames[1].Payload.ToArray().Should().Equal(1, 2, 3);
        packet.Frames[2].Payload.ToArray().Should().Equal(4);
    }

    [Test]
    public void Multi_digit_attachment_counts_and_ack_ids_are_written_in_full()
    {
        var args = Enumerable.Range(0, 12).Select(i => (object?)new byte[] { (byte)i }).ToArray();
        var text = Text(SocketPacketEncoder.Event("/ns", "many", args, 1_000_000_000_000, Json));
        text.Should().StartWith("4512-/ns,1000000000000[\"many\",{\"_placeholder\":true,\"num\":0}");
    }

    [Test]
    public void Binary_ack_uses_type_six()
    {
        Text(SocketPacketEncoder.Ack("/", 7, [new byte[] { 9 }], Json)).Should().Be("461-7[{\"_placeholder\":true,\"num\":0}]");
    }

    [Test]
    public void Text_beyond_ascii_is_written_as_utf8_not_escaped()
    {
        Text(SocketPacketEncoder.Event("/", "msg", ["Grüße 你好"], -1, Json)).Should().Be("42[\"msg\",\"Grüße 你好\"]");
    }

    [Test]
    public void Json_elements_are_written_as_received()
    {
        var element = JsonDocument.Parse("{\"3\":[true]}").RootElement;
        Text(SocketPacketEncoder.Event("/", "message-back", [1, "2", element], -1, Json)).Should().Be("42[\"message-back\",1,\"2\",{\"3\":[true]}]");
    }

    [Test]
    public void Json_elements_keep_their_text_escapes_included_inside_dictionaries()
    {
        // The element's own text goes out: its escapes stay as the sender wrote them, and the JSON still parses to
        // the same value at the client.
        var element = JsonDocument.Parse("{\"note\":\"a\\u00e9\\\"b\", \"n\": 1}").RootElement;
        var text = Text(SocketPacketEncoder.Event("/", "e", [new Dictionary<string, object?> { ["data"] = element }], -1, Json));

        text.Should().Be("42[\"e\",{\"data\":{\"note\":\"a\\u00e9\\\"b\", \"n\": 1}}]");
        using var parsed = JsonDocument.Parse(text.AsMemory(2).ToString());
        parsed.RootElement[1].GetProperty("data").GetProperty("note").GetString().Should().Be("a\u00e9\"b");
    }

    [Test]
    public void An_undefined_json_element_is_refused()
    {
        var act = () => SocketPacketEncoder.Event("/", "e", [default(JsonElement)], -1, Json);
        act.Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void An_encode_inside_a_converter_does_not_disturb_the_one_around_it()
    {
        var options = new JsonSerializerOptions(Json);
        options.Converters.Add(new EncodingConverter());

        var text = Text(SocketPacketEncoder.Event("/", "outer", [new Nested("x")], -1, options));

        text.Should().Be("42[\"outer\",\"42[\\\"inner\\\",\\\"x\\\"]\"]");
    }

    [Test]
    public void Packets_after_a_large_one_are_encoded_whole()
    {
        var large = new string('a', 40_000);
        Text(SocketPacketEncoder.Event("/", "big", [large], -1, Json)).Should().HaveLength(40_000 + 12);
        Text(SocketPacketEncoder.Event("/", "small", ["b"], -1, Json)).Should().Be("42[\"small\",\"b\"]");
        Text(SocketPacketEncoder.Event("/", "small", ["c"], -1, Json)).Should().Be("42[\"small\",\"c\"]");
    }

    [Test]
    public void Connect_error_carries_message_and_data()
    {
        Text(SocketPacketEncoder.ConnectError("/", "Authentication error: Invalid token", new { reason = "token_expired" }, Json))
            .Should().Be("44{\"message\":\"Authentication error: Invalid token\",\"data\":{\"reason\":\"token_expired\"}}");
        Text(SocketPacketEncoder.ConnectError("/random", "Invalid namespace", null, Json))
            .Should().Be("44/random,{\"message\":\"Invalid namespace\"}");
    }

    [Test]
    public void Connect_and_disconnect_packets()
    {
        Text(SocketPacketEncoder.Connect("/", "abc")).Should().Be("40{\"sid\":\"abc\"}");
        Text(SocketPacketEncoder.Connect("/custom", "abc")).Should().Be("40/custom,{\"sid\":\"abc\"}");
        Text(SocketPacketEncoder.Disconnect("/custom")).Should().Be("41/custom,");
    }

    [Test]
    public void Encoded_packets_round_trip_through_the_parser()
    {
        var packet = SocketPacketEncoder.Event("/orders", "order:created", [new { orderNumber = "ORD-1", total = 12.5m }], 42, Json);
        SocketPacketParser.TryParse(packet.Text[1..], out var parsed).Should().BeTrue();
        using var _ = new AssertionScope();
        parsed.Namespace.Should().Be("/orders");
        parsed.AckId.Should().Be(42);
        parsed.Data!.Value[1].GetProperty("orderNumber").GetString().Should().Be("ORD-1");
    }

    private sealed record Nested(string Value);

    // Writes a value as the text of a whole packet encoded while the outer one is being written.
    private sealed class EncodingConverter : System.Text.Json.Serialization.JsonConverter<Nested>
    {
        public override Nested Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Nested value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Text(SocketPacketEncoder.Event("/", "inner", [value.Value], -1, options)));
    }
}
