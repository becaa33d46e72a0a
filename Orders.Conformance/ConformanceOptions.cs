using System.Globalization;

namespace Orders.Conformance;

/// <summary>Command-line settings, defaulting to the values the Engine.IO and Socket.IO test suites use.</summary>
internal sealed record ConformanceOptions(int Port, int PingIntervalMs, int PingTimeoutMs, int ConnectTimeoutMs, long MaxPayload)
{
    public static ConformanceOptions Parse(string[] args)
    {
        var options = new ConformanceOptions(3000, 300, 200, 1000, 1_000_000);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--port" => options with { Port = ParseInt(Next(), "--port") },
                "--ping-interval" => options with { PingIntervalMs = ParseInt(Next(), "--ping-interval") },
                "--ping-timeout" => options with { PingTimeoutMs = ParseInt(Next(), "--ping-timeout") },
                "--connect-timeout" => options with { ConnectTimeoutMs = ParseInt(Next(), "--connect-timeout") },
                "--max-payload" => options with { MaxPayload = ParseInt(Next(), "--max-payload") },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Known: --port --ping-interval --ping-timeout --connect-timeout --max-payload."),
            };
        }

        return options;
    }

    private static int ParseInt(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{name} takes a whole number, not '{value}'.");
}
