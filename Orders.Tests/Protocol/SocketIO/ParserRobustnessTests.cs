using System.Text;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>Random and mutated input never escapes the parser as an exception.</summary>
public sealed class ParserRobustnessTests
{
    private static readonly string[] Seeds =
    [
        "0/admin,{\"token\":\"abc\"}",
        "2/chat,456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]",
        "52-789[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
        "61-/admin,3[{\"_placeholder\":true,\"num\":0}]",
        "3/x,12[\"ok\",2]",
        "1/custom,",
    ];

    [Test]
    public void Random_bytes_are_refused_or_parsed_but_never_throw()
    {
        var random = new Random(20261125);
        var buffer = new byte[64];
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            if (length > 0) buffer[0] = (byte)('0' + random.Next(8));
            var act = () => SocketPacketParser.TryParse(buffer.AsSpan(0, length), out _);
            act.Should().NotThrow();
        }
    }

    [Test]
    public void Mutations_of_valid_packets_never_throw()
    {
        var random = new Random(42);
        foreach (var seed in Seeds)
        {
            var original = Encoding.UTF8.GetBytes(seed);
            for (var i = 0; i < 5_000; i++)
            {
                var mutated = (byte[])original.Clone();
                var edits = random.Next(1, 4);
                for (var e = 0; e < edits; e++) mutated[random.Next(mutated.Length)] = (byte)random.Next(32, 127);
                var cut = mutated.AsSpan(0, random.Next(mutated.Length + 1)).ToArray();
                var act = () => SocketPacketParser.TryParse(cut, out _);
                act.Should().NotThrow($"'{Encoding.UTF8.GetString(cut)}' must be handled");
            }
        }
    }
}
