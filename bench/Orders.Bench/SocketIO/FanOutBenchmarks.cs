using BenchmarkDotNet.Attributes;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO;

namespace Orders.Bench.SocketIO;

/// <summary>
/// Room fan-out through the real <see cref="BroadcastOperator"/>, room index and per-session send queues, down to
/// <c>WebSocket.SendAsync</c> on a <see cref="NullWebSocket"/>: everything our server does per emit except the
/// kernel write. The macro benchmark measures the rest.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private InProcessServer _server = null!;
    private int _next;

    [Params(100, 5_000)]
    public int Sockets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessServer();
        for (var i = 0; i < Sockets; i++) _server.Connect(i, new NullWebSocket());
        if (_server.Io.Default.SocketCount != Sockets) throw new InvalidOperationException("sockets did not connect");
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(Description = "io.To(user room).Emit: one recipient")]
    public int EmitToUserRoom()
    {
        _next = (_next + 1) % Sockets;
        return _server.Io.Default.To("user:" + _next).Emit(Payloads.EventName, Payloads.OrderEvent);
    }

    [Benchmark(Description = "io.Emit: broadcast to every socket")]
    public int BroadcastToAll() => _server.Io.Default.Emit(Payloads.EventName, Payloads.OrderEvent);

    /// <summary>The recipient snapshot alone, as a broadcast to all takes it (no room, no exception).</summary>
    [Benchmark(Description = "RoomIndex.Snapshot of every socket")]
    public int SnapshotAll()
    {
        var ns = _server.Io.Default;
        var count = ns.Rooms.Snapshot([], [], ns.SocketMap, out var recipients);
        if (recipients.Length > 0) System.Buffers.ArrayPool<Socket>.Shared.Return(recipients, clearArray: true);
        return count;
    }
}
