using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Listening;
using Orders.Protocol.SocketIO;

namespace Orders.Protocol;

/// <summary>Maps Socket.IO and raw Engine.IO endpoints.</summary>
public static class SocketIOEndpointRouteBuilderExtensions
{
    /// <summary>Serves the <see cref="SocketIOServer"/> registered by <c>AddSocketIO</c> at <paramref name="path"/> (polling and WebSocket).</summary>
    public static IEndpointConventionBuilder MapSocketIO(this IEndpointRouteBuilder endpoints, string path = "/socket.io")
    {
        var services = endpoints.ServiceProvider;
        var server = services.GetRequiredService<SocketIOServer>();
        return MapEngine(endpoints, path, services.GetRequiredService<IOptions<EngineIOOptions>>().Value, new SocketIOEngineHandler(server), server.Writes, server);
    }

    /// <summary>Serves raw Engine.IO at <paramref name="path"/>, for applications that want the transport alone.</summary>
    public static IEndpointConventionBuilder MapEngineIO(this IEndpointRouteBuilder endpoints, string path, IEngineIOHandler handler, Action<EngineIOOptions>? configure = null)
    {
        var options = new EngineIOOptions();
        configure?.Invoke(options);
        var errors = options.Validate().ToList();
        if (errors.Count > 0) throw new OptionsValidationException(nameof(EngineIOOptions), typeof(EngineIOOptions), errors);
        var writes = new EngineWrites(options.IO.BatchSends, options.IO.CoalesceSends);
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(writes.Dispose);
        return MapEngine(endpoints, path, options, handler, writes);
    }

    // server: the Socket.IO server this endpoint serves, which closes its sessions on ShutdownAsync; null for raw Engine.IO.
    private static IEndpointConventionBuilder MapEngine(
        IEndpointRouteBuilder endpoints, string path, EngineIOOptions options, IEngineIOHandler handler, EngineWrites writes, SocketIOServer? server = null)
    {
        var services = endpoints.ServiceProvider;
        var engine = new EngineIOServer(
            options,
            handler,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders.Protocol.EngineIO"),
            services.GetRequiredService<ProtocolMetrics>(),
            writes);
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() =>
        {
            engine.StopAccepting();
            // Bounded by the pong timeout, as a graceful close is anyway; what is left when the host stops is ended.
            if (!options.CloseOnApplicationStopping) return;
            var bound = new CancellationTokenSource(options.PingTimeout);
            _ = engine.CloseAllAsync(bound.Token).ContinueWith(_ => bound.Dispose(), TaskScheduler.Default);
        });
        lifetime.ApplicationStopped.Register(engine.Dispose);
        server?.Attach(engine);

        // WebSocket support travels with the endpoint, so the host needs no UseWebSockets of its own.
        var pipeline = endpoints.CreateApplicationBuilder()
            .UseWebSockets()
            .Use(_ => engine.HandleAsync)
            .Build();
        var trimmed = path.TrimEnd('/');
        if (options.IO.AcceptWebSocketsOnConnection) services.GetService<EngineIOConnectionRegistry>()?.Add(trimmed, engine);
        return endpoints.Map(trimmed + "/", pipeline);
    }
}
