using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Protocol;
using Orders.Protocol.SocketIO;
using Orders.Protocol.SocketIO.Adapters;
using Orders.Protocol.SocketIO.Recovery;
using Orders.Realtime.Auth;
using Orders.Realtime.Cluster;
using Orders.Realtime.Events;
using Orders.Realtime.Outbox;
using Orders.Realtime.Publishing;
using Orders.Realtime.Recovery;
using Orders.Realtime.Rooms;

namespace Orders.Realtime;

/// <summary>Registration of live order events.</summary>
public static class RealtimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Socket.IO server with connection state recovery and an adapter over PostgreSQL (any number of nodes
    /// may share the database), the order event interceptor that
    /// stores events in <c>order_events</c> with their change, the feed that sends committed events to sockets, and
    /// their metrics. Sockets are not closed when the host stops: the application calls
    /// <see cref="RealtimeShutdown.CloseAsync"/> once its last changes are committed. The application must register an <see cref="Auth.IAccessTokenValidator"/> and the
    /// <see cref="Npgsql.NpgsqlDataSource"/> of its database (with the tables of its migrations), and add the
    /// interceptor to its DbContext with <see cref="AddOrderEvents"/>.
    /// </summary>
    public static IServiceCollection AddOrderRealtime(this IServiceCollection services, Action<SocketIOOptions>? configureSocketIO = null)
    {
        services.AddSocketIO(o =>
        {
            o.ConnectionStateRecovery.Enabled = true;
            o.ConnectionStateRecovery.SessionOwner = SocketAuthenticator.OwnerOf;
            // Closed by RealtimeShutdown once the feed has sent what is committed, not as soon as the host stops.
            o.EngineIO.CloseOnApplicationStopping = false;
            configureSocketIO?.Invoke(o);
        });
        services.Replace(ServiceDescriptor.Singleton<IConnectionStateStore, PostgresConnectionStateStore>());
        services.Replace(ServiceDescriptor.Singleton<ISocketIOAdapter>(sp => sp.GetRequiredService<PostgresAdapter>()));
        services.AddSingleton<SocketAuthenticator>();
        services.AddSingleton<TokenLifetime>();
        services.AddOptions<TokenRenewalOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenRenewalOptions>, TokenRenewalOptionsValidator>();
        services.AddSingleton<RoomAssignment>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RealtimeMetrics>();
        services.AddSingleton<OrderEventFactory>();
        services.AddOptions<OrderEventsOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrderEventsOptions>, OrderEventsOptionsValidator>();
        services.AddSingleton<OrderEventOutbox>();
        services.AddSingleton<OrderEventsInterceptor>();
        services.AddSingleton(sp => new RealtimeShutdown(
            sp.GetRequiredService<OrderEventFeed>(), sp.GetRequiredService<SocketIOServer>(), sp.GetRequiredService<ILogger<RealtimeShutdown>>()));
        AddBackground<OrderEventFeed>(services);
        AddBackground<OrderEventListener>(services);
        AddBackground<RealtimeNode>(services);
        AddBackground<SessionWriter>(services);
        AddBackground<OutboxPruner>(services);
        AddBackground<PostgresAdapter>(services);
        return services;
    }

    /// <summary>
    /// Adds the check that this node reads committed order events and hears other nodes' notifications, with
    /// <paramref name="tags"/> (for example the tag of the readiness endpoint).
    /// </summary>
    public static IHealthChecksBuilder AddOrderEventsCheck(this IHealthChecksBuilder builder, params string[] tags) =>
        builder.AddCheck<OrderEventsHealthCheck>("order-events", tags: tags);

    private static void AddBackground<T>(IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
    }

    /// <summary>
    /// Adds the interceptor that turns committed order changes into events. Every context built from these options,
    /// including one constructed directly, emits them.
    /// </summary>
    public static DbContextOptionsBuilder AddOrderEvents(this DbContextOptionsBuilder options, IServiceProvider services) =>
        options.AddInterceptors(services.GetRequiredService<OrderEventsInterceptor>());

    private sealed class TokenRenewalOptionsValidator : IValidateOptions<TokenRenewalOptions>
    {
        public ValidateOptionsResult Validate(string? name, TokenRenewalOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private sealed class OrderEventsOptionsValidator : IValidateOptions<OrderEventsOptions>
    {
        public ValidateOptionsResult Validate(string? name, OrderEventsOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
