using System.Diagnostics;
using System.Net;
using System.Text;

namespace Orders.LoadGen.Client;

/// <summary>
/// A generator process holding up to a few thousand clients (the open-files limit is per process). It obeys
/// one-line commands on stdin and answers each with one JSON line on stdout; completed broadcasts are pushed.
/// </summary>
internal sealed class Worker
{
    private readonly Lock _out = new();
    private readonly WorkerState _state;
    private readonly EventLoop _loop;

    private Worker()
    {
        _state = new WorkerState(Write);
        _loop = new EventLoop(_state);
    }

    public static async Task<int> RunAsync()
    {
        var worker = new Worker();
        using var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.ASCII);
        while (await stdin.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (args.Length == 0) continue;
            if (args[0] == "exit") break;
            worker.Write(await worker.HandleAsync(args).ConfigureAwait(false));
        }

        worker._loop.Dispose();
        return 0;
    }

    private async Task<string> HandleAsync(string[] args)
    {
        switch (args[0])
        {
            case "connect":
                // connect <server ip> <port> <source ip> <first user> <count> <in flight> [token prefix]
                return await ConnectAsync(
                    new IPEndPoint(IPAddress.Parse(args[1]), int.Parse(args[2])), IPAddress.Parse(args[3]),
                    int.Parse(args[4]), int.Parse(args[5]), int.Parse(args[6]), args.Length > 7 ? args[7] : "u").ConfigureAwait(false);
            case "stats":
                return $"{{\"type\":\"stats\",\"open\":{Read(ref _state.Open)},\"joined\":{Read(ref _state.Joined)},\"rejected\":{Read(ref _state.Rejected)}," +
                    $"\"failed\":{Read(ref _state.Failed)},\"closed\":{Read(ref _state.Closed)},\"delivered\":{Read(ref _state.Delivered)}," +
                    $"\"pings\":{Read(ref _state.Pings)},\"errors\":{Read(ref _state.Errors)}}}";
            case "close":
                await _loop.CloseAllAsync().ConfigureAwait(false);
                return "{\"type\":\"ok\"}";
            case "mode":
                _state.TtlTarget = (int)(Read(ref _state.Joined) - Read(ref _state.Closed));
                _state.Mode = Enum.Parse<RecordMode>(args[1], ignoreCase: true);
                return $"{{\"type\":\"ok\",\"target\":{_state.TtlTarget}}}";
            case "samples":
                var samples = _state.TakeSamples();
                return $"{{\"type\":\"samples\",\"us\":[{string.Join(',', samples)}]}}";
            default:
                return $"{{\"type\":\"error\",\"message\":\"unknown command {args[0]}\"}}";
        }
    }

    private async Task<string> ConnectAsync(IPEndPoint server, IPAddress source, int firstUser, int count, int inFlight, string prefix)
    {
        var started = Stopwatch.GetTimestamp();
        var (joined, rejected, failed) = await _loop.ConnectAsync(server, source, count, inFlight, i => BenchToken.ForWorker(prefix, firstUser + i)).ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return $"{{\"type\":\"connected\",\"joined\":{joined},\"rejected\":{rejected},\"failed\":{failed},\"ms\":{ms:F1}}}";
    }

    private static long Read(ref long counter) => Interlocked.Read(ref counter);

    private void Write(string line)
    {
        lock (_out)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
