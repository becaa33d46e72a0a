using System.Text;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class SocketPacketParserTests
{
    private static SocketPacket Parse(string text)
    {
        SocketPacketParser.TryParse(Encoding.UTF8.GetBytes(text), out var packet).Should().BeTrue($"'{text}' is a valid packet");
        return packet;
    }

    [Test]
    public void Connect_to_main_namespace_without_payload()
    {
        var packet = Parse("0");
        using var _ = new AssertionScope();
        packet.Type.Should().Be(SocketPacketType.Connect);
        packet.Namespace.Should().Be("/");
        packet.Data.Should().BeNull();
        packet.AckId.Should().Be(-1);
    }

    [Test]
    public void Connect_with_auth_payload_to_custom_namespace()
    {
        var packet = Parse("0/admin,{\"token\":\"abc\"}");
        using var _ = new AssertionScope();
        packet.Namespace.Should().Be("/admin");
        packet.Data!.Value.GetProperty("token").GetString().Should().Be("abc");
    }

    [Test]
    public void Namespace_without_trailing_comma_ends_at_the_end_of_the_packet()
    {
        Parse("0/custom").Namespace.Should().Be("/custom");
        Parse("1/custom").Type.Should().Be(SocketPacketType.Disconnect);
    }

    [Test]
    public void Event_with_ack_id_and_namespace()
    {
        var packet = Parse("2/chat,456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
        using var _ = new AssertionScope();
        packet.Type.Should().Be(SocketPacketType.Event);
        packet.Namespace.Should().Be("/chat");
        packet.AckId.Should().Be(456);
        packet.Data!.Value.GetArrayLength().Should().Be(4);
        packet.Data!.Value[0].GetString().Should().Be("message-with-ack");
    }

    [Test]
    public void Ack_carries_its_id_and_arguments()
    {
        var packet = Parse("3/chat,12[\"ok\",2]");
        using var _ = new AssertionScope();
        packet.Type.Should().Be(SocketPacketType.Ack);
        packet.AckId.Should().Be(12);
        packet.Data!.Value.GetArrayLength().Should().Be(2);
    }

    [Test]
    public void Binary_event_announces_its_attachment_count()
    {
        var packet = Parse("52-789[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        using var _ = new AssertionScope();
        packet.Type.Should().Be(SocketPacketType.BinaryEvent);
        packet.Attachments.Should().Be(2);
        packet.AckId.Should().Be(789);
    }

    [Test]
    public void Binary_ack_with_namespace()
    {
        var packet = Parse("61-/admin,3[{\"_placeholder\":true,\"num\":0}]");
        using var _ = new AssertionScope();
        packet.Type.Should().Be(SocketPacketType.BinaryAck);
        packet.Attachments.Should().Be(1);
        packet.Namespace.Should().Be("/admin");
        packet.AckId.Should().Be(3);
    }

    [Test]
    public void Text_beyond_ascii_survives_parsing()
    {
        var packet = Parse("2[\"msg\",\"Grüße 你好 😀\"]");
        packet.Data!.Value[1].GetString().Should().Be("Grüße 你好 😀");
    }

    [TestCase("", TestName = "Empty packet")]
    [TestCase("abc", TestName = "Unknown packet type")]
    [TestCase("7[\"a\"]", TestName = "Packet type out of range")]
    [TestCase("2{}", TestName = "Event payload that is not an array")]
    [TestCase("2[]", TestName = "Event without a name")]
    [TestCase("2[1]", TestName = "Event whose name is not a string")]
    [TestCase("2abc[\"message-with-ack\",1]", TestName = "Invalid ack id")]
    [TestCase("2[\"a\"", TestName = "Truncated JSON")]
    [TestCase("3[1]", TestName = "Ack without id")]
    [TestCase("3/a,1{}", TestName = "Ack payload that is not an array")]
    [TestCase("0[]", TestName = "Connect payload that is not an object")]
    [TestCase("1{}", TestName = "Disconnect with a payload")]
    [TestCase("4{\"message\":\"x\"}", TestName = "CONNECT_ERROR sent by a client")]
    [TestCase("5[\"a\"]", TestName = "Binary event without attachment count")]
    [TestCase("51[\"a\"]", TestName = "Binary event without dash")]
    [TestCase("599999-[\"a\"]", TestName = "Binary event with too many attachments")]
    [TestCase("21234567890123456[\"a\"]", TestName = "Ack id too long")]
    public void Malformed_packets_are_refused_without_throwing(string text)
    {
        SocketPacketParser.TryParse(Encoding.UTF8.GetBytes(text), out _).Should().BeFalse();
    }

    [Test]
    public void Invalid_utf8_is_refused()
    {
        SocketPacketParser.TryParse([(byte)'2', (byte)'[', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)']'], out _).Should().BeFalse();
    }

    [Test]
    public void Parsed_data_outlives_the_receive_buffer()
    {
        var buffer = Encoding.UTF8.GetBytes("2[\"evt\",{\"a\":1}]");
        SocketPacketParser.TryParse(buffer, out var packet).Should().BeTrue();
        Array.Clear(buffer);
        packet.Data!.Value[1].GetProperty("a").GetInt32().Should().Be(1);
    }

    [Test]
    public void Placeholders_resolve_to_attachments_at_any_depth()
    {
        var data = JsonDocument.Parse("[\"evt\",{\"file\":{\"_placeholder\":true,\"num\":0}},{\"_placeholder\":true,\"num\":1}]").RootElement;
        var args = new SocketArgs(data, 1, [[1, 2], [3]]);
        using var _ = new AssertionScope();
        args.Count.Should().Be(2);
        args.GetBinary(1).Should().Equal(3);
        args.PlaceholdersAreValid().Should().BeTrue();
        var emitted = args.ToEmitArgs();
        ((Dictionary<string, object?>)emitted[0]!)["file"].Should().BeEquivalentTo(new byte[] { 1, 2 });
        emitted[1].Should().BeEquivalentTo(new byte[] { 3 });
    }

    [Test]
    public void Attachment_count_mismatch_is_detected()
    {
        var data = JsonDocument.Parse("[\"evt\",{\"_placeholder\":true,\"num\":0}]").RootElement;
        new SocketArgs(data, 1, [[1], [2]]).PlaceholdersAreValid().Should().BeFalse();
    }

    // Found by the socket-packet fuzz target (shrunk by hand): a client's placeholder whose num is not a number made
    // GetBinary and ToEmitArgs throw in the application's handler.
    [Test]
    public void A_placeholder_whose_num_is_not_a_number_resolves_to_no_attachment()
    {
        SocketPacketParser.TryParse("51-[\"up\",{\"_placeholder\":true,\"num\":true}]"u8, out var packet).Should().BeTrue();
        var args = new SocketArgs(packet.Data!.Value, 1, [[1]]);

        using var _ = new AssertionScope();
        args.GetBinary(0).Should().BeNull();
        args.ToEmitArgs()[0].Should().BeOfType<Dictionary<string, object?>>().Which.Should().ContainKey("num");
    }
}
