using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orders.Api.Auth;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Realtime;

namespace Orders.Tests.Infrastructure;

// The real service, built by its own composition root, on Kestrel at 127.0.0.1 port 0 against its own database.
internal sealed class OrdersServer : IAsyncDisposable
{
    public const string Secret = "test-secret-for-orders-service-0123456789abcdef";
    public const string Issuer = "http://localhost:3000";
    public const string FrontendOrigin = "http://localhost:3006";
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly WebApplication _app;

    private OrdersServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<OrdersServer> StartAsync(IDictionary<string, string?>? settings = null, bool waitUntilReady = true)
    {
        var config = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["DATABASE_URL"] = TestPostgres.NewDatabaseConnectionString(),
            ["ACCESS_TOKEN_SECRET"] = Secret,
            ["ISSUER"] = Issuer,
            ["FRONTEND_URL"] = FrontendOrigin,
            ["LOG_LEVEL"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var app = OrdersApplication.Build([.. config.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")]);
        try
        {
            await OrdersApplication.StartAsync(app, CancellationToken.None).WaitAsync(StartTimeout);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new OrdersServer(app, new Uri(address));
        if (!waitUntilReady) return server;
        try
        {
            await server.WaitUntilReadyAsync().WaitAsync(StartTimeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    // As a load balancer would: a test starts once /readyz says the feed has read the events table and the listener is
    // connected, so a test of readiness (or of an event right after start) does not race the first read on a busy machine.
    private async Task WaitUntilReadyAsync()
    {
        while (true)
        {
            using (var response = await Http.GetAsync(new Uri("/readyz", UriKind.Relative)))
            {
                if (response.IsSuccessStatusCode) return;
            }

            await Task.Delay(50);
        }
    }

    public string Token(string userId, bool admin = false, TimeSpan? lifetime = null) =>
        Services.GetRequiredService<AccessTokenIssuer>().Issue(userId, admin ? ["admin"] : [], lifetime ?? TimeSpan.FromMinutes(10));

    // Expired an hour ago: well past the validator's clock skew.
    public string ExpiredToken(string userId) =>
        Services.GetRequiredService<AccessTokenIssuer>().Issue(userId, [], DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromHours(1));

    public HttpClient ClientFor(string userId, bool admin = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(userId, admin));
        return client;
    }

    // A context built by hand, outside DI and any endpoint, with the same database and the realtime interceptor.
    public OrdersDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<OrdersDbContext>()
            .UseNpgsql(Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
        options.AddOrderEvents(Services);
        return new OrdersDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
