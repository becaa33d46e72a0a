using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orders.LoadGen.Runner;

/// <summary>
/// One server under test in a fresh process pinned to its core: ours (Orders.BenchServer) or Node's reference.
/// Its CPU time is read from /proc to tell a saturated server from a generator-bound run.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly PinnedProcess _process;

    private ServerProcess(string kind, int port, PinnedProcess process)
    {
        Kind = kind;
        Port = port;
        _process = process;
        Http = PinnedProcess.HttpClientFor(port, TimeSpan.FromSeconds(60));
    }

    public string Kind { get; }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public string RecentOutput => _process.RecentOutput;

    public static async Task<ServerProcess> StartAsync(BenchSettings settings, string kind, int port, int pingIntervalMs, string? gcLog = null)
    {
        List<string> command = kind == "ours"
            ? ["dotnet", Path.Combine(settings.Root, "bench/Orders.BenchServer/bin", settings.Config, "net10.0/Orders.BenchServer.dll")]
            : ["node", "--expose-gc", Path.Combine(settings.Root, "bench/node-ref/server.js")];
        var environment = new Dictionary<string, string>();
        if (kind == "ours")
        {
            environment["DOTNET_gcServer"] = settings.Gc == "server" ? "1" : "0";

            // The runtime's half of the server's inline I/O (see Orders.BenchServer's --inline-io).
            environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        }
        command.AddRange(["--port", port.ToString(CultureInfo.InvariantCulture)]);
        if (pingIntervalMs > 0) command.AddRange(["--ping-interval-ms", pingIntervalMs.ToString(CultureInfo.InvariantCulture)]);
        if (settings.PingTimeoutMs > 0) command.AddRange(["--ping-timeout-ms", settings.PingTimeoutMs.ToString(CultureInfo.InvariantCulture)]);
        if (kind == "ours" && gcLog is not null) command.AddRange(["--gc-log", gcLog]);

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = PinnedProcess.Start(settings, command, environment, line =>
        {
            if (line.StartsWith("READY", StringComparison.Ordinal)) ready.TrySetResult();
        });
        var server = new ServerProcess(kind, port, process);
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != ready.Task)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{kind} server did not become ready:\n{server.RecentOutput}");
        }

        return server;
    }

    /// <summary>User + system CPU time of the server process so far.</summary>
    public TimeSpan CpuTime() => _process.CpuTime();

    public async Task<ServerStats> StatsAsync(bool collect)
    {
        using var doc = await Http.GetFromJsonAsync<JsonDocument>(collect ? "stats?gc=1" : "stats").ConfigureAwait(false);
        var root = doc!.RootElement;
        ServerGcStats? gc = root.TryGetProperty("gc", out var g)
            ? new(g.GetProperty("allocated").GetInt64(), g.GetProperty("gen0").GetInt32(), g.GetProperty("gen1").GetInt32(), g.GetProperty("gen2").GetInt32(), g.GetProperty("pause_ms").GetDouble())
            : null;
        return new ServerStats(root.GetProperty("sockets").GetInt32(), root.GetProperty("rss").GetInt64(), root.TryGetProperty("heap", out var h) ? h.GetInt64() : 0, gc);
    }

    /// <summary>
    /// The server's sessions closed so far by reason, as <c>reason=n, ...</c>; empty when the server does not report them
    /// (Node's reference) or cannot answer.
    /// </summary>
    public async Task<string> CloseReasonsAsync()
    {
        try
        {
            using var doc = await Http.GetFromJsonAsync<JsonDocument>("stats").ConfigureAwait(false);
            if (!doc!.RootElement.TryGetProperty("closes", out var closes) || closes.ValueKind != JsonValueKind.Object) return "";
            return string.Join(", ", closes.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt64()}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
