using System.Buffers;
using CsCheck;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Tests.Protocol.EngineIO.Transports.Polling;

/// <summary>The POST body splitter of long-polling, against every input CsCheck can make (it shrinks what fails).</summary>
public sealed class PollingPayloadProperties
{
    private const long Iterations = 5_000;

    // Bytes the splitter treats specially, often enough that random payloads exercise them.
    private static readonly Gen<byte> PayloadByte = Gen.Frequency(
        (6, Gen.Byte),
        (2, Gen.Const(EnginePacketType.Separator)),
        (2, Gen.Const(EnginePacketType.Base64Prefix)),
        (2, Gen.OneOf("4=+/AQ"u8.ToArray())));

    private static readonly Gen<byte[]> Payload = PayloadByte.Array[0, 200];

    private static readonly Gen<int[]> Cuts = Gen.Int.Array[0, 6];

    private static readonly Gen<OutgoingFrame> TextFrame =
        Gen.Select(Gen.Byte[(byte)'0', (byte)'6'], Gen.Byte.Where(b => b != EnginePacketType.Separator).Array[0, 40])
            .Select((type, body) => OutgoingFrame.Text([type, .. body]));

    private static readonly Gen<OutgoingFrame> BinaryFrame = Gen.Byte.Array[0, 40].Select(bytes => OutgoingFrame.Binary(bytes));

    [Test]
    public void Any_body_is_split_without_throwing_and_hands_over_no_more_than_it_holds()
    {
        Payload.Sample(bytes =>
        {
            var sink = new RecordingSink();
            var ok = PollingTransport.ForEachPacket(new ReadOnlySequence<byte>(bytes), ref sink);

            var separators = bytes.Count(b => b == EnginePacketType.Separator);
            sink.Packets.Count.Should().BeLessThanOrEqualTo(separators + 1);
            sink.Packets.Sum(p => p.Bytes.Length).Should().BeLessThanOrEqualTo(bytes.Length);
            if (ok) sink.Packets.Should().HaveCount(separators + 1, "a body that is accepted is every packet between separators");
            if (bytes.Length == 0) ok.Should().BeFalse("an empty body is no payload");
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void Where_the_body_is_cut_into_segments_changes_nothing()
    {
        Gen.Select(Payload, Cuts).Sample((bytes, cuts) =>
        {
            var whole = new RecordingSink();
            var wholeOk = PollingTransport.ForEachPacket(new ReadOnlySequence<byte>(bytes), ref whole);
            var pieces = new RecordingSink();
            var piecesOk = PollingTransport.ForEachPacket(SegmentedSequence.Split(bytes, cuts), ref pieces);

            piecesOk.Should().Be(wholeOk);
            pieces.Describe().Should().Equal(whole.Describe());
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void What_WritePayload_joins_is_split_back_into_the_same_frames()
    {
        Gen.OneOf(TextFrame, BinaryFrame).Array[1, 12].Sample(frames =>
        {
            var writer = new ArrayBufferWriter<byte>();
            PollingTransport.WritePayload(writer, frames);

            var sink = new RecordingSink();
            PollingTransport.ForEachPacket(new ReadOnlySequence<byte>(writer.WrittenMemory), ref sink).Should().BeTrue();
            sink.Describe().Should().Equal(frames.Select(f => Describe(f.IsBinary, f.Payload.ToArray())));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void A_body_ending_in_a_separator_is_refused_after_handing_over_the_packets_before_it()
    {
        var sink = new RecordingSink();

        PollingTransport.ForEachPacket(new ReadOnlySequence<byte>("4a\u001e"u8.ToArray()), ref sink).Should().BeFalse();
        sink.Describe().Should().Equal(Describe(binary: false, "4a"u8.ToArray()));
    }

    private static string Describe(bool binary, byte[] bytes) => (binary ? "binary:" : "text:") + Convert.ToHexString(bytes);

    /// <summary>Accepts what the server would (a type digit first) and keeps a copy of each packet.</summary>
    private struct RecordingSink() : IPollingPacketSink
    {
        public List<(bool Binary, byte[] Bytes)> Packets { get; } = [];

        public readonly bool OnText(ReadOnlySpan<byte> packet)
        {
            Packets.Add((false, packet.ToArray()));
            return packet[0] is >= (byte)'0' and <= (byte)'6';
        }

        public readonly void OnBinary(ReadOnlySpan<byte> data) => Packets.Add((true, data.ToArray()));

        public readonly IEnumerable<string> Describe() => Packets.Select(p => PollingPayloadProperties.Describe(p.Binary, p.Bytes));
    }
}
