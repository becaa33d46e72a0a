using System.Buffers;
using System.Text;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Tests.Protocol.EngineIO.Transports.Polling;

public sealed class PollingPayloadTests
{
    [Test]
    public void Packets_are_joined_by_record_separator_and_binary_is_base64()
    {
        var writer = new ArrayBufferWriter<byte>();
        PollingTransport.WritePayload(writer, [OutgoingFrame.Text("4hello"u8), OutgoingFrame.Binary(new byte[] { 1, 2, 3, 4 }), OutgoingFrame.Ping]);
        Encoding.UTF8.GetString(writer.WrittenSpan).Should().Be("4hello\u001ebAQIDBA==\u001e2");
    }

    [Test]
    public void A_single_packet_has_no_separator()
    {
        var writer = new ArrayBufferWriter<byte>();
        PollingTransport.WritePayload(writer, [OutgoingFrame.Noop]);
        Encoding.UTF8.GetString(writer.WrittenSpan).Should().Be("6");
    }
}
