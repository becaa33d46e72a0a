using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orders.Protocol;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Auth;
using Orders.Realtime.Events;
using Orders.Realtime.Publishing;
using Orders.Realtime.Rooms;

namespace Orders.Realtime;

/// <summary>Registration of live order events.</summary>
public static class RealtimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Socket.IO server, the order event interceptor, the publisher and its metrics. The application must register an
    /// <see cref="Auth.IAccessTokenValidator"/> and add the interceptor to its DbContext with <see cref="AddOrderEvents"/>.
    /// </summary>
    public static IServiceCollection AddOrderRealtime(this IServiceCollection services, Action<SocketIOOptions>? configureSocketIO = null)
    {
        services.AddSocketIO(configureSocketIO);
        services.AddSingleton<SocketAuthenticator>();
        services.AddSingleton<RoomAssignment>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RealtimeMetrics>();
        services.AddSingleton<OrderEventFactory>();
        services.AddOptions<OrderEventsOptions>()
            .Validate(o => o.TurnTimeout > TimeSpan.Zero, "OrderEventsOptions.TurnTimeout must be positive.")
            .ValidateOnStart();
        services.AddSingleton<OrderCommitSequencer>();
        services.AddSingleton<OrderEventBroadcaster>();
        services.AddSingleton<OrderEventPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderEventPublisher>());
        services.AddSingleton<OrderEventsInterceptor>();
        return services;
    }

    /// <summary>
    /// Adds the interceptor that turns committed order changes into events. Every context built from these options,
    /// including one constructed directly, emits them.
    /// </summary>
    public static DbContextOptionsBuilder AddOrderEvents(this DbContextOptionsBuilder options, IServiceProvider services) =>
        options.AddInterceptors(services.GetRequiredService<OrderEventsInterceptor>());
}
