using System.Text;
using System.Text.Json;
using CsCheck;
using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>
/// The Socket.IO packet parser against generated input: any bytes are refused or read within its limits, and what
/// the encoder writes reads back as the same packet, binary attachments included.
/// </summary>
public sealed class SocketPacketParserProperties
{
    private const long Iterations = 5_000;

    // Pieces of the grammar and of near misses, so that random concatenations reach past the first byte.
    private static readonly string[] Tokens =
    [
        "0", "1", "2", "3", "4", "5", "6", "7", "9", "-", "/", "/chat", ",", "é", "\u001e",
        "[", "]", "{", "}", "\"", ":", "\"ev\"", "\"_placeholder\":true", "\"num\":", "null", "true", "1e999", "-0",
        "123456789012345", "99999999999999999999", "\\u0000", "\\ud800", " ",
    ];

    private static readonly Gen<byte[]> NearPacket =
        Gen.OneOf(Tokens).Array[0, 16].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));

    // Binary events whose placeholders carry any JSON as num, at any depth: what a client may send for them.
    private static readonly Gen<byte[]> PlaceholderPacket =
        Gen.Select(
            Gen.Int[0, 3],
            Gen.OneOf("0", "1", "-1", "2147483648", "1.5", "1e2", "true", "null", "\"0\"", "[0]", "{}").Array[1, 3],
            Gen.Bool)
        .Select((announced, nums, nested) =>
        {
            var placeholders = nums.Select(n => $"{{\"_placeholder\":true,\"num\":{n}}}");
            var args = string.Join(",", nested ? placeholders.Select(p => $"{{\"f\":[{p}]}}") : placeholders);
            return Encoding.UTF8.GetBytes($"5{announced}-[\"ev\",{args}]");
        });

    private static readonly Gen<byte[]> AnyBytes = Gen.Frequency((1, Gen.Byte.Array[0, 64]), (3, NearPacket), (1, PlaceholderPacket));

    // No commas: the namespace ends at the first one, and ours are names an application chose.
    private static readonly Gen<string> Namespace =
        Gen.Frequency((1, Gen.Const("/")), (2, Gen.String[Gen.Char["abzAZ09-_.~/é€中"], 1, 12].Select(s => "/" + s)));

    private static readonly Gen<string> Text = Gen.String[Gen.Char["ab Z09,/\"\\\n\té€中{}[]"], 0, 12];

    private static readonly Gen<object?> Leaf = Gen.OneOf<object?>(
        Text.Select(s => (object?)s),
        Gen.Long.Select(n => (object?)n),
        Gen.Bool.Select(b => (object?)b),
        Gen.Const((object?)null),
        Gen.Byte.Array[0, 16].Select(bytes => (object?)bytes));

    private static readonly Gen<object?> Value = Nested(3);

    private static readonly Gen<long> AckId = Gen.Long[-1, 999_999_999_999_999];

    [Test]
    public void Any_bytes_are_refused_or_read_within_the_parser_limits()
    {
        AnyBytes.Sample(bytes =>
        {
            if (!SocketPacketParser.TryParse(bytes, out var packet)) return;

            using var _ = new AssertionScope(Encoding.UTF8.GetString(bytes));
            packet.Type.Should().NotBe(SocketPacketType.ConnectError, "only the server sends CONNECT_ERROR");
            packet.Namespace.Should().StartWith("/");
            packet.AckId.Should().BeInRange(-1, 999_999_999_999_999);
            packet.Attachments.Should().BeInRange(0, SocketPacketParser.MaxAttachments);
            if (packet.Attachments > 0) packet.Type.Should().BeOneOf(SocketPacketType.BinaryEvent, SocketPacketType.BinaryAck);
            if (packet.Type is SocketPacketType.Event or SocketPacketType.BinaryEvent)
            {
                packet.Data!.Value[0].ValueKind.Should().Be(JsonValueKind.String);
            }
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void The_arguments_of_any_accepted_event_resolve_whatever_attachments_arrive()
    {
        Gen.Select(AnyBytes, Gen.Int[0, 3]).Sample((bytes, arrived) =>
        {
            if (!SocketPacketParser.TryParse(bytes, out var packet) || packet.Data is not { ValueKind: JsonValueKind.Array } data) return;

            var args = new SocketArgs(data, 0, Enumerable.Range(0, arrived).Select(i => new byte[] { (byte)i }).ToList());
            args.PlaceholdersAreValid();
            args.ToEmitArgs().Should().HaveCount(args.Count);
            for (var i = 0; i < args.Count; i++) args.GetBinary(i);
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void An_encoded_event_parses_back_to_its_namespace_ack_id_and_arguments()
    {
        Gen.Select(Namespace, Text, Value.Array[0, 4], AckId).Sample((ns, name, args, ackId) =>
        {
            var encoded = SocketPacketEncoder.Event(ns, name, args, ackId, JsonSerializerOptions.Web);
            var packet = ParseEncoded(encoded);
            var attachments = Attachments(encoded);

            using var _ = new AssertionScope();
            packet.Type.Should().Be(attachments.Count > 0 ? SocketPacketType.BinaryEvent : SocketPacketType.Event);
            packet.Namespace.Should().Be(ns);
            packet.AckId.Should().Be(ackId);
            packet.Attachments.Should().Be(attachments.Count);
            var received = new SocketArgs(packet.Data!.Value, 1, attachments);
            received.PlaceholdersAreValid().Should().BeTrue();
            packet.Data.Value[0].GetString().Should().Be(name);
            Canonical(received.ToEmitArgs()).Should().Be(Canonical(args));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void An_encoded_acknowledgement_parses_back_to_its_ack_id_and_arguments()
    {
        Gen.Select(Namespace, Value.Array[0, 4], Gen.Long[0, 999_999_999_999_999]).Sample((ns, args, ackId) =>
        {
            var encoded = SocketPacketEncoder.Ack(ns, ackId, args, JsonSerializerOptions.Web);
            var packet = ParseEncoded(encoded);
            var attachments = Attachments(encoded);

            using var _ = new AssertionScope();
            packet.Type.Should().Be(attachments.Count > 0 ? SocketPacketType.BinaryAck : SocketPacketType.Ack);
            packet.Namespace.Should().Be(ns);
            packet.AckId.Should().Be(ackId);
            packet.Attachments.Should().Be(attachments.Count);
            Canonical(new SocketArgs(packet.Data!.Value, 0, attachments).ToEmitArgs()).Should().Be(Canonical(args));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void An_encoded_connect_parses_back_to_its_namespace_and_ids()
    {
        Gen.Select(Namespace, Gen.String[Gen.Char["abcXYZ019-_"], 1, 20], Gen.String[Gen.Char["abcXYZ019-_"], 0, 20]).Sample((ns, sid, pid) =>
        {
            var encoded = SocketPacketEncoder.Connect(ns, sid, pid.Length == 0 ? null : pid);
            var packet = ParseEncoded(encoded);

            using var _ = new AssertionScope();
            packet.Type.Should().Be(SocketPacketType.Connect);
            packet.Namespace.Should().Be(ns);
            packet.Data!.Value.GetProperty("sid").GetString().Should().Be(sid);
            packet.Data.Value.TryGetProperty("pid", out var parsedPid).Should().Be(pid.Length > 0);
            if (pid.Length > 0) parsedPid.GetString().Should().Be(pid);
        }, iter: Iterations, threads: 1);
    }

    private static Gen<object?> Nested(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency(
            (4, Leaf),
            (1, Nested(depth - 1).Array[0, 3].Select(items => (object?)items.ToList())),
            (1, Gen.Select(Gen.String[Gen.Char["abk_é"], 0, 6], Nested(depth - 1)).Array[0, 3]
                .Select(pairs => (object?)pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2))));

    private static SocketPacket ParseEncoded(EncodedPacket encoded)
    {
        // Text frames carry the Engine.IO message type first; the parser reads what follows it.
        encoded.Text[0].Should().Be((byte)'4');
        SocketPacketParser.TryParse(encoded.Text[1..], out var packet).Should().BeTrue(Encoding.UTF8.GetString(encoded.Text));
        return packet;
    }

    private static List<byte[]> Attachments(EncodedPacket encoded) => [.. encoded.Frames[1..].ToArray().Select(f => f.Payload.ToArray())];

    /// <summary>One text for what was sent and what was received: JSON values, lists, maps and binary alike.</summary>
    private static string Canonical(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        byte[] bytes => "bin:" + Convert.ToHexString(bytes),
        JsonElement element => Canonical(element),
        IDictionary<string, object?> map => "{" + string.Join(",", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        System.Collections.IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Canonical)) + "]",
        _ => throw new ArgumentException($"unexpected {value.GetType()}"),
    };

    private static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String => JsonSerializer.Serialize(element.GetString()),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        _ => throw new ArgumentException($"unexpected {element.ValueKind}"),
    };
}
