using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>
/// <c>MaxJsonDepth</c>: a received packet nested deeper than the bound is malformed, like any other: the connection
/// closes with <c>parse error</c>, logged and counted, and no handler sees the event.
/// </summary>
public sealed class JsonDepthTests
{
    [Test]
    public void The_parser_takes_the_default_depth_and_refuses_one_level_more()
    {
        // The event's own array is one level: its argument may nest one less.
        SocketPacketParser.TryParse(Event(31), out var packet).Should().BeTrue();
        packet.Type.Should().Be(SocketPacketType.Event);
        SocketPacketParser.TryParse(Event(32), out _).Should().BeFalse();
    }

    [Test]
    public void The_parser_honours_a_smaller_bound_and_still_refuses_trailing_text()
    {
        using var scope = new AssertionScope();
        SocketPacketParser.TryParse(Event(3), 4, out _).Should().BeTrue();
        SocketPacketParser.TryParse(Event(4), 4, out _).Should().BeFalse();
        SocketPacketParser.TryParse(Encoding.UTF8.GetBytes("2[\"a\",1] x"), 4, out _).Should().BeFalse();
        SocketPacketParser.TryParse(Encoding.UTF8.GetBytes("2[\"a\",1] "), 4, out _).Should().BeTrue("whitespace after the value is no value");
        SocketPacketParser.TryParse(Encoding.UTF8.GetBytes("2[\"a\"][1]"), 4, out _).Should().BeFalse();
    }

    [Test]
    public async Task An_event_within_the_bound_reaches_its_handler_and_a_deeper_one_closes_the_connection_as_a_parse_error()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 10_000, pingTimeoutMs: 10_000, socketIO: o => o.MaxJsonDepth = 8);
        using var closes = new ParseErrorCloses(server);
        using var ws = await server.ConnectSocketIOAsync();

        await ws.SendTextAsync(Text(Event(7)));
        (await ws.ReceiveTextSkippingPingsAsync()).Should().StartWith("42[\"message-back\",[[[[[[[", "depth 8 with the event's array is within the bound");

        await ws.SendTextAsync(Text(Event(8)));
        // The next thing the client hears is the close: no message-back, and no other frame first.
        var next = async () => await ws.ReceiveTextSkippingPingsAsync();
        await next.Should().ThrowAsync<WebSocketException>("a packet nested deeper than MaxJsonDepth ends the connection");

        // Counted as the session is taken down, which may finish just after the client saw its close frame.
        var counted = System.Diagnostics.Stopwatch.StartNew();
        while (closes.Count == 0 && counted.Elapsed < ConformanceServer.Timeout) await Task.Delay(20);
        closes.Count.Should().Be(1);
    }

    [Test]
    public async Task A_bound_outside_2_to_256_fails_at_start()
    {
        var start = async () => await ConformanceServer.StartAsync(socketIO: o => o.MaxJsonDepth = 1);
        await start.Should().ThrowAsync<OptionsValidationException>().WithMessage("*MaxJsonDepth*");
    }

    // 2["message", <argument nested `depth` arrays deep>]: the whole packet nests depth + 1.
    private static byte[] Event(int depth) =>
        Encoding.UTF8.GetBytes("2[\"message\"," + new string('[', depth) + "1" + new string(']', depth) + "]");

    private static string Text(byte[] packet) => "4" + Encoding.UTF8.GetString(packet);

    /// <summary>Counts <c>engineio.closes</c> with the reason <c>parse error</c> on <paramref name="server"/>'s meter.</summary>
    private sealed class ParseErrorCloses : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public ParseErrorCloses(ConformanceServer server)
        {
            var meters = server.App.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Orders.Protocol" && ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == "engineio.closes")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "reason", Value: "parse error" }) Interlocked.Add(ref _count, (int)value);
                }
            });
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
