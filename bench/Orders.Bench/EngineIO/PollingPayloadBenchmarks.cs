using System.Buffers;
using BenchmarkDotNet.Attributes;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Bench.EngineIO;

/// <summary>Long-polling GET answers: queued frames joined by the record separator, binary as base64.</summary>
[MemoryDiagnoser]
public class PollingPayloadBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(64 * 1024);
    private OutgoingFrame[] _frames = [];

    [Params(1, 16, 256)]
    public int Frames { get; set; }

    [Params(false, true)]
    public bool WithBinary { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var text = new byte[200];
        text.AsSpan().Fill((byte)'x');
        text[0] = (byte)'4';
        var binary = new byte[512];
        _frames = [.. Enumerable.Range(0, Frames).Select(i => WithBinary && i % 4 == 3 ? OutgoingFrame.Binary(binary) : OutgoingFrame.Text(text))];
    }

    [Benchmark(Description = "WritePayload into a reused buffer")]
    public int Reused()
    {
        _writer.ResetWrittenCount();
        PollingTransport.WritePayload(_writer, _frames);
        return _writer.WrittenCount;
    }

    /// <summary>What EngineIOServer.PollAsync does today: a fresh 256-byte ArrayBufferWriter per GET, grown as needed.</summary>
    [Benchmark(Baseline = true, Description = "WritePayload as PollAsync does (new writer per GET)")]
    public int AsServed()
    {
        var writer = new ArrayBufferWriter<byte>(256);
        PollingTransport.WritePayload(writer, _frames);
        return writer.WrittenCount;
    }
}
