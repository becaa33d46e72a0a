using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Orders.LoadGen.Runner;

/// <summary>
/// The generator side of one scenario: as many worker processes as the client count needs (each stays well under
/// the 20,000 open files of a process), each on its own 127.0.0.x source address.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly List<WorkerProcess> _workers = [];
    private readonly BenchSettings _settings;
    private readonly int _port;
    private readonly int _firstWorker;
    private readonly int _firstUser;
    private int _nextUser;

    /// <param name="firstWorker">The first worker's index, which picks its source address: a second pool in the same run
    /// (issue 27's two nodes) takes addresses of its own.</param>
    /// <param name="firstUser">The first client's user number.</param>
    public WorkerPool(BenchSettings settings, int port, int firstWorker = 0, int firstUser = 0)
    {
        _settings = settings;
        _port = port;
        _firstWorker = firstWorker;
        _firstUser = firstUser;
        _nextUser = firstUser;
    }

    /// <summary>Broadcasts completed at every client of one worker (<c>{"type":"ttl",...}</c>).</summary>
    public Channel<JsonElement> Pushes { get; } = Channel.CreateUnbounded<JsonElement>();

    public int Users => _nextUser - _firstUser;

    /// <summary>Opens <paramref name="count"/> more clients for users that follow the existing ones; <paramref name="inFlight"/> is split over the workers used.</summary>
    public async Task<ConnectResult> ConnectAsync(int count, int inFlight, TimeSpan timeout, string tokenPrefix = "u")
    {
        // Workers are up before the clock starts: the storm measures the server, not process start-up.
        await StartWorkersAsync(count).ConfigureAwait(false);
        var plan = new List<(WorkerProcess Worker, int First, int Count)>();
        var left = count;
        while (left > 0)
        {
            var worker = _workers.First(w => w.Assigned < w.Capacity);
            var n = Math.Min(left, worker.Capacity - worker.Assigned);
            plan.Add((worker, _nextUser, n));
            worker.Assigned += n;
            _nextUser += n;
            left -= n;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var replies = await Task.WhenAll(plan.Select(p =>
        {
            var share = Math.Max(1, (int)Math.Ceiling(inFlight * (double)p.Count / count));
            return p.Worker.AskAsync(string.Create(CultureInfo.InvariantCulture,
                $"connect 127.0.0.1 {_port} {p.Worker.Source} {p.First} {p.Count} {share} {tokenPrefix}"), timeout);
        })).ConfigureAwait(false);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        return new ConnectResult(
            replies.Sum(r => r.GetProperty("joined").GetInt32()),
            replies.Sum(r => r.GetProperty("rejected").GetInt32()),
            replies.Sum(r => r.GetProperty("failed").GetInt32()),
            elapsed);
    }

    /// <summary>
    /// Starts the worker processes <paramref name="count"/> more clients need and waits until they answer, so what
    /// follows can be timed and its CPU counted without their start-up (a runtime's start and JIT).
    /// </summary>
    private async Task StartWorkersAsync(int count)
    {
        var room = _workers.Sum(w => w.Capacity - w.Assigned);
        while (room < count)
        {
            room += Add(WorkerProcess.Start(_firstWorker + _workers.Count, _settings.ClientsPerWorker, _settings.GeneratorCore, Pushes)).Capacity;
        }

        await Task.WhenAll(_workers.Select(w => w.AskAsync("stats", CommandTimeout))).ConfigureAwait(false);
    }

    /// <summary>Closes every client; the workers stay up, their code warm, and the next clients are users 0, 1, ... again.</summary>
    public async Task CloseAllAsync()
    {
        await Task.WhenAll(_workers.Select(w => w.AskAsync("close", CommandTimeout))).ConfigureAwait(false);
        foreach (var w in _workers) w.Assigned = 0;
        _nextUser = _firstUser;
    }

    public async Task<WorkerStats> StatsAsync()
    {
        var replies = await Task.WhenAll(_workers.Select(w => w.AskAsync("stats", CommandTimeout))).ConfigureAwait(false);
        long Sum(string name) => replies.Sum(r => r.GetProperty(name).GetInt64());
        return new WorkerStats(Sum("joined"), Sum("closed"), Sum("delivered"), Sum("pings"), Sum("errors"), Sum("failed"));
    }

    /// <summary>CPU time of the whole generator: every worker and this coordinator.</summary>
    public TimeSpan CpuTime() =>
        _workers.Aggregate(TimeSpan.Zero, (sum, w) => sum + w.CpuTime()) + System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Workers with joined clients when the mode was last set: only they can complete a broadcast.</summary>
    private int _workersWithClients;

    public async Task SetModeAsync(string mode)
    {
        var replies = await Task.WhenAll(_workers.Select(w => w.AskAsync("mode " + mode, CommandTimeout))).ConfigureAwait(false);

        // A worker whose only client was refused (the refusal check) never sees a broadcast: do not wait for it.
        _workersWithClients = replies.Count(r => r.TryGetProperty("target", out var t) && t.GetInt64() > 0);
    }

    public async Task<List<int>> TakeSamplesAsync()
    {
        var replies = await Task.WhenAll(_workers.Select(w => w.AskAsync("samples", CommandTimeout))).ConfigureAwait(false);
        return [.. replies.SelectMany(r => r.GetProperty("us").EnumerateArray().Select(e => e.GetInt32()))];
    }

    /// <summary>Waits until every worker reported broadcast <paramref name="seq"/> complete; the latest arrival in microseconds, or null on timeout.</summary>
    public async Task<long?> WaitBroadcastAsync(long seq, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var pending = _workersWithClients;
        long max = 0;
        try
        {
            while (pending > 0)
            {
                var push = await Pushes.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (push.GetProperty("seq").GetInt64() != seq) continue; // a late straggler of an earlier timed-out broadcast
                max = Math.Max(max, push.GetProperty("maxUs").GetInt64());
                pending--;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        return max;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers) await w.DisposeAsync().ConfigureAwait(false);
        _workers.Clear();
    }

    private WorkerProcess Add(WorkerProcess worker)
    {
        _workers.Add(worker);
        return worker;
    }
}
