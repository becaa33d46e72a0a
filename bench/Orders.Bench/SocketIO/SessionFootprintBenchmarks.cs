using BenchmarkDotNet.Attributes;

namespace Orders.Bench.SocketIO;

/// <summary>
/// Managed bytes allocated to open one session and connect its socket to <c>/</c> with its user room: an upper bound
/// on what an idle socket keeps on the managed heap (Kestrel's own connection state comes on top).
/// </summary>
[MemoryDiagnoser]
public class SessionFootprintBenchmarks
{
    private InProcessServer _server = null!;
    private int _user;

    [GlobalSetup]
    public void Setup() => _server = new InProcessServer();

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(Description = "open session + CONNECT + join user room")]
    public bool OpenAndJoin()
    {
        var session = _server.Connect(_user++, new NullWebSocket());
        var open = session.IsOpen;
        session.Terminate(Orders.Protocol.EngineIO.EngineCloseReason.TransportClose);
        return open;
    }
}
