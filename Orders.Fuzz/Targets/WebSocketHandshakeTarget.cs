using System.Buffers;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Fuzz.Targets;

/// <summary>The first bytes of a connection, whole and cut in two; an accepted upgrade is then read as the application would.</summary>
internal static class WebSocketHandshakeTarget
{
    public static void Run(byte[] input)
    {
        var whole = new ReadOnlySequence<byte>(input);
        var status = WebSocketHandshakeParser.TryParse(whole, out var handshake, out var end);

        var cut = input.Length == 0 ? 0 : input[^1] % (input.Length + 1);
        var pieces = TwoSegments.Of(input, cut);
        var piecesStatus = WebSocketHandshakeParser.TryParse(pieces, out var piecesHandshake, out var piecesEnd);
        InvariantException.Check(status == piecesStatus, "segmenting changes nothing");
        InvariantException.Check(whole.Slice(whole.Start, end).Length == pieces.Slice(pieces.Start, piecesEnd).Length, "the head ends at the same byte");
        if (handshake is null) return;

        InvariantException.Check(piecesHandshake is not null && piecesHandshake.Path == handshake.Path && piecesHandshake.QueryString == handshake.QueryString,
            "segmenting changes nothing");
        InvariantException.Check(whole.Slice(whole.Start, end).Length <= WebSocketHandshakeParser.MaxHeadLength + 4, "the head limit holds");

        var request = new EngineHandshakeRequest([.. handshake.Headers], handshake.QueryString, null, false, DateTimeOffset.UnixEpoch);
        _ = request.Headers.Count + request.Query.Count + request.Cookies.Count;
        EngineQuery.TryRead(handshake.QueryString, out _);
    }
}
