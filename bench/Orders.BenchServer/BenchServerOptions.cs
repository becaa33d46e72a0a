using System.Globalization;
using System.Net;

namespace Orders.BenchServer;

/// <summary>
/// Command line of the benchmark server: <c>--port N [--host 127.0.0.1] [--ping-interval-ms N] [--ping-timeout-ms N] [--backlog N] [--inline-io on|off] [--gc-log PATH]</c>.
/// Everything not named here keeps the production default of <c>AddSocketIO</c>.
/// </summary>
internal sealed class BenchServerOptions
{
    public int Port { get; private set; } = 3100;

    public IPAddress Host { get; private set; } = IPAddress.Loopback;

    /// <summary>socket.io's default (25 s); the smoke run shortens it so heartbeats happen within seconds.</summary>
    public int PingIntervalMs { get; private set; } = 25_000;

    public int PingTimeoutMs { get; private set; } = 20_000;

    /// <summary>Listen backlog, the same for both servers: a connect storm keeps 4,000 connections in flight.</summary>
    public int Backlog { get; private set; } = 4096;

    /// <summary>
    /// Kestrel runs socket continuations on its I/O thread instead of queueing them to the thread pool
    /// (<c>UnsafePreferInlineScheduling</c>; the runtime's half is <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>
    /// in the environment). Safe here because nothing on this server's socket path blocks.
    /// </summary>
    public bool InlineIO { get; private set; } = true;

    /// <summary>Where to write one line per garbage collection (<see cref="GcLog"/>); none by default.</summary>
    public string? GcLogPath { get; private set; }

    public static BenchServerOptions Parse(string[] args)
    {
        var o = new BenchServerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": o.Port = ParseInt(value); break;
                case "--host": o.Host = IPAddress.Parse(value); break;
                case "--ping-interval-ms": o.PingIntervalMs = ParseInt(value); break;
                case "--ping-timeout-ms": o.PingTimeoutMs = ParseInt(value); break;
                case "--backlog": o.Backlog = ParseInt(value); break;
                case "--gc-log": o.GcLogPath = value; break;
                case "--inline-io": o.InlineIO = value is "on" ? true : value is "off" ? false : throw new ArgumentException($"--inline-io on|off, not {value}"); break;
                default: throw new ArgumentException($"unknown option {args[i]}; usage: --port N [--host A] [--ping-interval-ms N] [--ping-timeout-ms N] [--backlog N] [--inline-io on|off] [--gc-log PATH]");
            }

            i++;
        }

        return o;
    }

    private static int ParseInt(string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"not a number: {s}");
}
