using System.Text;
using Microsoft.Extensions.Primitives;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Fuzz.Targets;

/// <summary>
/// What an application reads from a handshake that came through Kestrel: the Engine.IO parameters, the query and the
/// cookies. The input is the query string, then a line feed, then the Cookie header.
/// </summary>
internal static class HandshakeQueryTarget
{
    public static void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var query = newline < 0 ? text : text[..newline];
        var cookie = newline < 0 ? "" : text[(newline + 1)..];

        if (EngineQuery.TryRead(query, out var engine)) InvariantException.Check(engine.Sid != "", "an empty sid is no sid");

        var request = new EngineHandshakeRequest([new("Cookie", new StringValues(cookie))], query, null, false, DateTimeOffset.UnixEpoch);
        _ = request.Query.Count + request.Cookies.Count + request.Headers.Count;
    }
}
