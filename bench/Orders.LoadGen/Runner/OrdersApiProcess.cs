using System.Diagnostics;
using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>Orders.Api (Release build) pinned to the server core, on a throwaway database; ready once /readyz answers 200.</summary>
internal sealed class OrdersApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private OrdersApiProcess(int port, Process process)
    {
        Port = port;
        _process = process;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public string RecentOutput
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(20));
        }
    }

    public static async Task<OrdersApiProcess> StartAsync(BenchSettings settings, int port, string databaseUrl, string secret, string issuer)
    {
        var info = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = settings.Root,
        };
        foreach (var a in new[] { "-c", settings.ServerCore, "dotnet", Path.Combine(settings.Root, "Orders.Api/bin", settings.Config, "net10.0/Orders.Api.dll") }) info.ArgumentList.Add(a);
        info.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["DATABASE_URL"] = databaseUrl;
        info.Environment["ACCESS_TOKEN_SECRET"] = secret;
        info.Environment["ISSUER"] = issuer;
        info.Environment["FRONTEND_URL"] = "http://localhost:5173";
        // One Information line per request would put the console in the measurement.
        info.Environment["LOG_LEVEL"] = "Warning";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = settings.Gc == "server" ? "1" : "0";
        foreach (var pair in settings.ServerEnvironment) info.Environment[pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start Orders.Api");
        var api = new OrdersApiProcess(port, process);
        process.OutputDataReceived += (_, e) => api.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => api.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
        {
            try
            {
                using var response = await api.Http.GetAsync("readyz").ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return api;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        await api.DisposeAsync().ConfigureAwait(false);
        throw new InvalidOperationException($"Orders.Api did not become ready:\n{api.RecentOutput}");
    }

    /// <summary>User + system CPU time of the API process so far.</summary>
    public TimeSpan CpuTime() => ProcessCpu.Read(_process.Id);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }
}
