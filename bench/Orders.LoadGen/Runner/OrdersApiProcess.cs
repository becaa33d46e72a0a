using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Orders.LoadGen.Client;
using System.Text.Json;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Orders.Api (Release build) pinned to the server core, on a throwaway database, with a random token secret; ready
/// once /readyz answers 200. Also the calls the scenarios make to it: a user's token, an order, a change of its notes.
/// A second node of the same service shares the first one's secret (<see cref="Secret"/>) and is pinned to a core of
/// its own.
/// </summary>
internal sealed class OrdersApiProcess : IAsyncDisposable
{
    public const string Issuer = "orders-bench";

    private readonly PinnedProcess _process;

    private OrdersApiProcess(int port, PinnedProcess process, string secret)
    {
        Port = port;
        _process = process;
        Secret = secret;
        Http = PinnedProcess.HttpClientFor(port, TimeSpan.FromSeconds(30));
    }

    public int Port { get; }

    /// <summary>The token secret of the run (hex), for a second node and for workers that sign their clients' tokens.</summary>
    public string Secret { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public string RecentOutput => _process.RecentOutput;

    public static async Task<OrdersApiProcess> StartAsync(
        BenchSettings settings, int port, string databaseUrl, string? secret = null, string? core = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        secret ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["DATABASE_URL"] = databaseUrl,
            ["ACCESS_TOKEN_SECRET"] = secret,
            ["ISSUER"] = Issuer,
            ["FRONTEND_URL"] = "http://localhost:5173",
            // One Information line per request would put the console in the measurement.
            ["LOG_LEVEL"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_gcServer"] = settings.Gc == "server" ? "1" : "0",
            // The load comes from one address and a few users (the outbox scenario: one user's patches back to back).
            ["SocketIO__EngineIO__Limits__HandshakeBurstPerAddress"] = "0",
            ["SocketIO__EngineIO__Limits__MaxSessionsPerAddress"] = "0",
            ["RateLimits__Writes__Burst"] = "0",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>()) environment[name] = value;
        var process = PinnedProcess.Start(
            settings, ["dotnet", Path.Combine(settings.Root, "Orders.Api/bin", settings.Config, "net10.0/Orders.Api.dll")], environment, core: core);
        var api = new OrdersApiProcess(port, process, secret);

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

    /// <summary>An HS256 access token as the orders service expects it (sub, iss, exp), signed with the run's secret.</summary>
    public string Token(string user) => BenchToken.Sign(Secret, Issuer, user);

    /// <summary>A pending order of the token's user, with one item; returns its id.</summary>
    public async Task<string> CreateOrderAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/orders")
        {
            Content = new StringContent(
                """{"items":[{"sku":"BENCH-1","name":"Bench item","quantity":1,"unitPrice":9.99}],"currency":"USD","shippingAddress":"1 Bench Street","notes":"created"}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"POST /api/orders answered {(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// <c>PATCH /api/orders/{id}</c> setting the notes to <c>bench-N</c>: exactly one <c>order:updated</c> to the owner,
    /// whose notes tell which change it was.
    /// </summary>
    public static HttpRequestMessage NotesChange(string orderId, string token, long seq)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"api/orders/{orderId}")
        {
            Content = new StringContent($"{{\"notes\":\"bench-{seq.ToString(CultureInfo.InvariantCulture)}\"}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>User + system CPU time of the API process so far.</summary>
    public TimeSpan CpuTime() => _process.CpuTime();

    public long RssBytes() => _process.RssBytes();

    /// <summary>The node's own count of connected sockets, every namespace and transport (<c>/metrics</c>).</summary>
    public async Task<long> ConnectedSocketsAsync()
    {
        var text = await Http.GetStringAsync("metrics").ConfigureAwait(false);
        return text.Split('\n')
            .Where(l => l.StartsWith("socketio_connected_sockets{", StringComparison.Ordinal))
            // name{labels} value [timestamp]
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
