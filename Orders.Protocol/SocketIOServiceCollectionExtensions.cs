using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Listening;
using Orders.Protocol.SocketIO;
using Orders.Protocol.SocketIO.Adapters;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol;

/// <summary>Registers the Socket.IO server.</summary>
public static class SocketIOServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="SocketIOServer"/> singleton and its options (socket.io defaults, validated at start).
    /// Map it with <c>app.MapSocketIO("/socket.io")</c>.
    /// </summary>
    public static IServiceCollection AddSocketIO(this IServiceCollection services, Action<SocketIOOptions>? configure = null)
    {
        var builder = services.AddOptions<SocketIOOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<SocketIOOptions>, SocketIOOptionsValidator>();
        services.AddMetrics();
        AddConnectionMiddleware(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProtocolMetrics>();
        // Socket.IO's engine part on its own, for what reads Engine.IO options only (the host-wide listener).
        services.TryAddSingleton<IOptions<EngineIOOptions>>(sp => Options.Create(sp.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO));

        // A singleton so the container disposes it (and its rings) with the host.
        services.TryAddSingleton(sp =>
        {
            var io = sp.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO.IO;
            return new EngineWrites(io.BatchSends, io.CoalesceSends);
        });
        // Used only with ConnectionStateRecovery enabled; an application with a durable store registers its own.
        services.TryAddSingleton<IConnectionStateStore, InMemoryConnectionStateStore>();
        // One node unless the application registers an adapter that reaches the others.
        services.TryAddSingleton<ISocketIOAdapter, LocalAdapter>();
        services.TryAddSingleton(sp => new SocketIOServer(
            sp.GetRequiredService<IOptions<SocketIOOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SocketIOServer>>(),
            sp.GetRequiredService<ProtocolMetrics>(),
            sp.GetRequiredService<EngineWrites>(),
            sp.GetRequiredService<IConnectionStateStore>(),
            sp.GetRequiredService<ISocketIOAdapter>()));
        return services;
    }

    private static void AddConnectionMiddleware(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(EngineIOConnectionRegistry))) return;
        services.AddSingleton<EngineIOConnectionRegistry>();

        // Kestrel binds each endpoint with the last registered transport that can bind it: this one for IP endpoints.
        services.AddSingleton<IConnectionListenerFactory, EngineIOListenerFactory>();

        // First among Kestrel's option callbacks: endpoint defaults reach only endpoints declared after them, and a
        // host's ConfigureKestrel(k => k.Listen(...)) usually runs before AddSocketIO.
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>>(
            sp => new ConfigureOptions<KestrelServerOptions>(kestrel => kestrel.ConfigureEndpointDefaults(
                listen => listen.UseEngineIOConnections(sp.GetRequiredService<EngineIOConnectionRegistry>())))));
    }

    private sealed class SocketIOOptionsValidator : IValidateOptions<SocketIOOptions>
    {
        public ValidateOptionsResult Validate(string? name, SocketIOOptions options)
        {
            var errors = options.ValidateAll().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
