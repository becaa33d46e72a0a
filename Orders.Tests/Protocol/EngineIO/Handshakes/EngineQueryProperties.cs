using CsCheck;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Tests.Protocol.EngineIO.Handshakes;

/// <summary>The three handshake parameters, read from any query string a client can send.</summary>
public sealed class EngineQueryProperties
{
    private const long Iterations = 5_000;

    private static readonly Gen<string> AnyQuery = Gen.Frequency(
        (1, Gen.String),
        (3, Gen.OneOf("?", "&", "=", "EIO", "transport", "sid", "4", "websocket", "%", "%2", "%zz", "%ED%A0%80", "%C3", "+", "é", "\ud800")
            .Array[0, 16].Select(string.Concat)));

    private static readonly Gen<string> Value = Gen.String[Gen.Char["abcXYZ019-_+/=%&? é中"], 0, 12];

    [Test]
    public void Any_query_string_is_read_or_refused_without_throwing()
    {
        AnyQuery.Sample(query =>
        {
            if (!EngineQuery.TryRead(query, out var read)) return;
            read.Sid.Should().NotBe("", "an empty sid is no sid");
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void Escaped_parameters_in_any_order_among_others_are_read_back()
    {
        Gen.Select(Value, Value, Value.Where(v => v.Length > 0), Gen.String[Gen.Char["abc="], 0, 6].Array[0, 3], Gen.Int).Sample((eio, transport, sid, others, order) =>
        {
            List<string> pairs =
            [
                "EIO=" + Uri.EscapeDataString(eio),
                "transport=" + Uri.EscapeDataString(transport),
                "sid=" + Uri.EscapeDataString(sid),
                .. others.Select(o => "x" + o),
            ];
            var rotated = pairs.Skip((int)((uint)order % (uint)pairs.Count)).Concat(pairs.Take((int)((uint)order % (uint)pairs.Count)));

            EngineQuery.TryRead("?" + string.Join("&", rotated), out var read).Should().BeTrue();
            read.Should().Be(new EngineQuery(eio, transport, sid));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void A_repeated_parameter_is_refused_wherever_it_repeats()
    {
        Gen.Select(Gen.OneOf("EIO", "transport", "sid"), Value, Value).Sample((name, first, second) =>
        {
            EngineQuery.TryRead($"?{name}={Uri.EscapeDataString(first)}&x=1&{name}={Uri.EscapeDataString(second)}", out _).Should().BeFalse();
        }, iter: Iterations, threads: 1);
    }
}
