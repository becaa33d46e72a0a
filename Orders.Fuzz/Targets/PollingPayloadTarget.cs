using System.Buffers;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Transports.Polling;
using Orders.Protocol.SocketIO;

namespace Orders.Fuzz.Targets;

/// <summary>A long-polling POST body, whole and cut in two, with its messages handed to the Socket.IO parser.</summary>
internal static class PollingPayloadTarget
{
    public static void Run(byte[] input)
    {
        var whole = new Sink(new List<string>());
        var wholeOk = PollingTransport.ForEachPacket(new ReadOnlySequence<byte>(input), ref whole);

        // The first byte chooses where a second read would have cut the body.
        var cut = input.Length == 0 ? 0 : input[0] % (input.Length + 1);
        var pieces = new Sink(new List<string>());
        var piecesOk = PollingTransport.ForEachPacket(TwoSegments.Of(input, cut), ref pieces);

        InvariantException.Check(wholeOk == piecesOk && whole.Seen.SequenceEqual(pieces.Seen), "segmenting changes nothing");
        InvariantException.Check(whole.Seen.Count <= input.Count(b => b == EnginePacketType.Separator) + 1, "no more packets than records");
    }

    private readonly struct Sink(List<string> seen) : IPollingPacketSink
    {
        public List<string> Seen { get; } = seen;

        public bool OnText(ReadOnlySpan<byte> packet)
        {
            Seen.Add("t" + Convert.ToHexString(packet));
            if (packet[0] == EnginePacketType.Message) SocketPacketParser.TryParse(packet[1..], out _);
            return packet[0] is >= EnginePacketType.Open and <= EnginePacketType.Noop;
        }

        public void OnBinary(ReadOnlySpan<byte> data) => Seen.Add("b" + Convert.ToHexString(data));
    }
}
