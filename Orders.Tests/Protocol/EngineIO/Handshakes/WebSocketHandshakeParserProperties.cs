using System.Buffers;
using System.Text;
using CsCheck;
using FluentAssertions.Execution;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Tests.Protocol.EngineIO.Handshakes;

/// <summary>
/// The connection-level upgrade parser against generated input: whatever arrives, in whatever pieces, it answers
/// the same without throwing, and the upgrades socket.io-client and browsers send are read field for field.
/// </summary>
public sealed class WebSocketHandshakeParserProperties
{
    private const long Iterations = 3_000;

    private static readonly string[] Tokens =
    [
        "GET /", "GET /socket.io/?EIO=4&transport=websocket", " HTTP/1.1", "\r\n", "\r\n\r\n", "\n", "Host: a", "host:b",
        "Upgrade: websocket", "Connection: Upgrade", "Connection: keep-alive, upgrade", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Content-Length: 1", "Cookie: a=%zz; b", ":", " ", "\t", "?", "#",
        "%", "é", "\0", "\x7f", "a",
    ];

    private static readonly Gen<byte[]> NearHead = Gen.OneOf(Tokens).Array[0, 24]
        .Select(parts => Encoding.UTF8.GetBytes("GET /" + string.Concat(parts)));

    private static readonly Gen<int[]> Cuts = Gen.Int.Array[0, 6];

    private const string TokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

    // Printable ASCII, no leading or trailing blank (those are trimmed off a header value).
    private static readonly Gen<string> HeaderValue =
        Gen.String[Gen.Char[" !\"%;=,abcXYZ019/:~\t"], 0, 20].Select(v => "v" + v.Trim(' ', '\t'));

    private static readonly Gen<string> QueryPart = Gen.String[Gen.Char["abcXYZ019-._~%+=&/?"], 0, 30];

    private static readonly Gen<Upgrade> Upgrades =
        Gen.Select(
            Gen.String[Gen.Char["abcXYZ019-._~%/"], 0, 20],
            Gen.Frequency((1, Gen.Const("")), (3, QueryPart.Select(q => "?" + q))),
            Gen.Byte.Array[16],
            Gen.Select(Gen.String[Gen.Char[TokenChars], 1, 10], HeaderValue).Array[0, 5],
            Gen.OneOf("", " ", "\t", "  "),
            Gen.OneOf("Upgrade", "keep-alive, Upgrade", "upgrade"),
            Gen.Bool)
        .Select((path, query, key, extra, blank, connection, lowerCase) => new Upgrade(
            "/" + path, query, Convert.ToBase64String(key),
            [.. extra.Select(h => ("X-" + h.Item1, h.Item2)).DistinctBy(h => h.Item1, StringComparer.OrdinalIgnoreCase)],
            blank, connection, lowerCase));

    // A good upgrade with one byte put in, replaced or taken out: the near misses a strict parser must refuse.
    private static readonly Gen<byte[]> MutatedUpgrade =
        Gen.Select(Upgrades, Gen.Int, Gen.Byte, Gen.Int[0, 2]).Select((upgrade, at, b, edit) =>
        {
            var bytes = Encoding.ASCII.GetBytes(upgrade.Text).ToList();
            var i = (int)((uint)at % (uint)bytes.Count);
            if (edit == 0) bytes.Insert(i, b);
            else if (edit == 1) bytes[i] = b;
            else bytes.RemoveAt(i);
            return bytes.ToArray();
        });

    private static readonly Gen<byte[]> AnyBytes = Gen.Frequency((1, Gen.Byte.Array[0, 80]), (2, NearHead), (3, MutatedUpgrade));

    [Test]
    public void Any_bytes_in_any_pieces_get_the_same_answer_without_throwing()
    {
        Gen.Select(AnyBytes, Cuts).Sample((bytes, cuts) =>
        {
            var whole = Read(new ReadOnlySequence<byte>(bytes));
            var pieces = Read(SegmentedSequence.Split(bytes, cuts));

            pieces.Should().Be(whole);
            if (whole.Status == HandshakeParseStatus.Incomplete) bytes.Length.Should().BeLessThanOrEqualTo(WebSocketHandshakeParser.MaxHeadLength);
            if (whole.Status == HandshakeParseStatus.WebSocket) whole.Consumed.Should().BeLessThanOrEqualTo(WebSocketHandshakeParser.MaxHeadLength + 4);
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void An_accepted_upgrade_has_a_target_without_blanks_and_header_names_that_are_tokens()
    {
        // What Kestrel's parser would refuse must not be taken here either: the parser leaves anything odd to Kestrel.
        AnyBytes.Sample(bytes =>
        {
            if (WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(bytes), out var handshake, out _) != HandshakeParseStatus.WebSocket) return;

            using var scope = new AssertionScope(Encoding.Latin1.GetString(bytes));
            (handshake!.Path + handshake.QueryString).Should().MatchRegex("^[\\x21-\\x7e]+$");
            handshake.Headers.Keys.Should().OnlyContain(name => name.Length > 0 && name.All(IsTokenChar));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void A_generated_upgrade_is_read_field_for_field_and_leaves_what_follows_it()
    {
        Gen.Select(Upgrades, Cuts, Gen.Byte.Array[0, 8]).Sample((upgrade, cuts, after) =>
        {
            var head = Encoding.ASCII.GetBytes(upgrade.Text);
            var sequence = SegmentedSequence.Split([.. head, .. after], cuts);
            var status = WebSocketHandshakeParser.TryParse(sequence, out var handshake, out var end);

            using var _ = new AssertionScope(upgrade.Text);
            status.Should().Be(HandshakeParseStatus.WebSocket);
            handshake!.Path.Should().Be(upgrade.Path);
            handshake.QueryString.Should().Be(upgrade.Query);
            handshake.Key.Should().Be(upgrade.Key);
            foreach (var (name, value) in upgrade.Extra) handshake.Headers[name].ToString().Should().Be(value);
            sequence.Slice(end).Length.Should().Be(after.Length);
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void Every_prefix_of_an_upgrade_is_incomplete()
    {
        Gen.Select(Upgrades, Gen.Int).Sample((upgrade, at) =>
        {
            var head = Encoding.ASCII.GetBytes(upgrade.Text);
            var prefix = head.AsSpan(0, (int)((uint)at % (uint)head.Length)).ToArray();
            WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(prefix), out _, out _).Should().Be(HandshakeParseStatus.Incomplete);
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void The_application_can_read_the_headers_query_and_cookies_of_any_accepted_upgrade()
    {
        Gen.Select(Upgrades, QueryPart, HeaderValue).Sample((upgrade, query, cookie) =>
        {
            var text = (upgrade with { Query = "?" + query, Extra = [.. upgrade.Extra, ("Cookie", cookie)] }).Text;
            WebSocketHandshakeParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out var handshake, out _)
                .Should().Be(HandshakeParseStatus.WebSocket);

            var request = new EngineHandshakeRequest([.. handshake!.Headers], handshake.QueryString, null, false, DateTimeOffset.UnixEpoch);
            request.Headers.Should().HaveCount(handshake.Headers.Count);
            request.Query.Keys.Should().OnlyHaveUniqueItems();
            request.Cookies.Keys.Should().OnlyHaveUniqueItems();
            EngineQuery.TryRead(handshake.QueryString, out _);
        }, iter: Iterations, threads: 1);
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static (HandshakeParseStatus Status, string? Handshake, long Consumed) Read(ReadOnlySequence<byte> buffer)
    {
        var status = WebSocketHandshakeParser.TryParse(buffer, out var handshake, out var end);
        var described = handshake is null
            ? null
            : $"{handshake.Path}|{handshake.QueryString}|{handshake.Key}|" +
              string.Join("|", handshake.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={h.Value}"));
        return (status, described, buffer.Slice(buffer.Start, end).Length);
    }

    internal sealed record Upgrade(
        string Path, string Query, string Key, (string Name, string Value)[] Extra, string Blank, string Connection, bool LowerCase)
    {
        public string Text
        {
            get
            {
                var headers = new List<(string Name, string Value)>
                {
                    ("Host", "localhost:3004"), ("Upgrade", "websocket"), ("Connection", Connection),
                    ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", Key),
                };
                headers.AddRange(Extra);
                var lines = headers.Select(h => (LowerCase ? h.Name.ToLowerInvariant() : h.Name) + ":" + Blank + h.Value + "\r\n");
                return $"GET {Path}{Query} HTTP/1.1\r\n" + string.Concat(lines) + "\r\n";
            }
        }
    }
}
