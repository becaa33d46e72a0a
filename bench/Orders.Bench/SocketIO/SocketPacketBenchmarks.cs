using System.Text.Json;
using System.Text.Encodings.Web;
using BenchmarkDotNet.Attributes;
using Orders.Protocol.SocketIO;

namespace Orders.Bench.SocketIO;

/// <summary>Socket.IO encode (once per emit or broadcast) and decode (once per incoming packet).</summary>
[MemoryDiagnoser]
public class SocketPacketBenchmarks
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] Attachment = new byte[1024];

    [Benchmark(Description = "encode event, JsonElement data")]
    public int EncodeJsonElement() => SocketPacketEncoder.Event("/", Payloads.EventName, [Payloads.OrderEvent], -1, Options).Frames.Length;

    [Benchmark(Description = "encode event, typed record")]
    public int EncodeTyped() => SocketPacketEncoder.Event("/", Payloads.EventName, [Payloads.Order], -1, Options).Frames.Length;

    [Benchmark(Description = "encode binary event, 1 KiB attachment")]
    public int EncodeBinary() => SocketPacketEncoder.Event("/", "upload", [Attachment], 7, Options).Frames.Length;

    [Benchmark(Description = "decode event with ack")]
    public long DecodeEvent() => SocketPacketParser.TryParse(Payloads.IncomingEvent, out var p) ? p.AckId : -1;

    [Benchmark(Description = "decode CONNECT with auth")]
    public int DecodeConnect() => SocketPacketParser.TryParse(Payloads.IncomingConnect, out var p) ? (int)p.Type : -1;
}
