using Microsoft.Extensions.Options;
using Orders.Api.Auth;
using Orders.Api.Cors;
using Orders.Api.Data;
using Orders.Api.Errors;
using Orders.Api.Health;
using Orders.Api.Observability;
using Orders.Api.OpenApi;
using Orders.Api.Orders;
using Orders.Api.RateLimiting;
using Orders.Protocol.SocketIO;
using Orders.Realtime;
using Orders.Realtime.Auth;
using Orders.Realtime.Events;
using Serilog;

namespace Orders.Api.Hosting;

// The composition root: Program and the tests build the service the same way.
internal static class OrdersApplication
{
    // Where the realtime endpoint is mapped; the request log and the shutdown's in-flight count leave it out by this path.
    public const string SocketIOPath = "/socket.io";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        ListenAddress.Apply(builder);

        var services = builder.Services;
        services.AddOrdersLogging(builder.Configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Bad JSON reaches the exception handler (and becomes a 400 naming the field) in every environment.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer<BearerSecuritySchemeTransformer>();
            openApi.AddOperationTransformer<VersionedOrderTransformer>();
        });
        services.AddFrontendCors(builder.Configuration);
        services.AddAccessTokenAuth();
        services.AddOrdersDatabase();
        services.AddOrdersHealthChecks();
        // Any SocketIOOptions property, from the environment or a config file: SocketIO__ConnectionStateRecovery__* (recovery
        // is on by default), SocketIO__MaxJsonDepth, and the Engine.IO transport's under SocketIO__EngineIO__ (PingInterval,
        // PingTimeout, Limits__* for the per-address handshake limits, IO__* for the I/O switches). An unknown key fails
        // start naming it, so a key from before the Engine.IO settings moved (SocketIO__PingInterval) is not ignored.
        services.AddOrderRealtime(socketIO => builder.Configuration.GetSection("SocketIO").Bind(socketIO, b => b.ErrorOnUnknownConfiguration = true));
        services.AddOrdersRateLimiting(builder.Configuration);
        services.Configure<OrderEventsOptions>(builder.Configuration.GetSection("OrderEvents"));
        services.Configure<TokenRenewalOptions>(builder.Configuration.GetSection("TokenRenewal"));
        services.AddOrdersMetrics();
        services.AddOptions<ShutdownOptions>().Bind(builder.Configuration.GetSection("Shutdown")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptions.Validator>();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        services.AddSingleton<InFlightRequests>();
        services.AddHostedService<GracefulShutdown>();

        WebApplication app;
        try
        {
            // Building resolves Kestrel's transport, which reads the Engine.IO options: an unknown SocketIO key fails here.
            app = builder.Build();
        }
        catch (InvalidOperationException e) when (e.Message.Contains(nameof(BinderOptions.ErrorOnUnknownConfiguration), StringComparison.Ordinal))
        {
            // The binder's message names the key; said as the other settings' failures are (Program: exit code 2).
            throw new OptionsValidationException("SocketIO", typeof(SocketIOOptions),
                [$"A SocketIO setting is not known (the Engine.IO ones are under SocketIO__EngineIO__): {e.Message}"]);
        }

        // Outside the exception handler, so the line carries the status the client got (503 for an outage, not 500).
        app.UseSerilogRequestLogging(requests => requests.GetLevel = RequestLogLevel.For);
        app.UseMiddleware<InFlightRequests>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors(FrontendOrigins.PolicyName);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOrdersHealthChecks();
        app.MapOpenApi().AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapOrdersApi().RequireRateLimiting(WritesPerUserPolicy.Name);
        app.MapOrderRealtime(SocketIOPath);
        return app;
    }

    // Checks configuration, migrates, then listens: a misconfigured service fails before touching the database.
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        _ = app.Services.GetRequiredService<IOptions<AccessTokenOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<OrderEventsOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<TokenRenewalOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ShutdownOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<WriteRateLimitOptions>>().Value;
        TierUpDelayCheck.Warn(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OrdersApplication)));
        await app.Services.GetRequiredService<StartupMigration>().RunAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
    }
}
