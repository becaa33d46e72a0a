using System.Diagnostics;
using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>Orders.Api (Release build) pinned to the server core, on a throwaway database; ready once /readyz answers 200.</summary>
internal sealed class OrdersApiProcess : IAsyncDisposable
{
    private readonly PinnedProcess _process;

    private OrdersApiProcess(int port, PinnedProcess process)
    {
        Port = port;
        _process = process;
        Http = PinnedProcess.HttpClientFor(port, TimeSpan.FromSeconds(30));
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public string RecentOutput => _process.RecentOutput;

    public static async Task<OrdersApiProcess> StartAsync(BenchSettings settings, int port, string databaseUrl, string secret, string issuer)
    {
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["DATABASE_URL"] = databaseUrl,
            ["ACCESS_TOKEN_SECRET"] = secret,
            ["ISSUER"] = issuer,
            ["FRONTEND_URL"] = "http://localhost:5173",
            // One Information line per request would put the console in the measurement.
            ["LOG_LEVEL"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_gcServer"] = settings.Gc == "server" ? "1" : "0",
        };
        var process = PinnedProcess.Start(
            settings, ["dotnet", Path.Combine(settings.Root, "Orders.Api/bin", settings.Config, "net10.0/Orders.Api.dll")], environment);
        var api = new OrdersApiProcess(port, process);

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
    public TimeSpan CpuTime() => _process.CpuTime();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
