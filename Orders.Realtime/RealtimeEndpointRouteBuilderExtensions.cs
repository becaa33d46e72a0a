using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orders.Protocol;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Auth;
using Orders.Realtime.Publishing;
using Orders.Realtime.Rooms;

namespace Orders.Realtime;

/// <summary>Serves live order events over Socket.IO.</summary>
public static class RealtimeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Authenticates sockets of the main namespace, puts them in their rooms, ends each when its access token does
    /// (unless the client renews it with <c>auth:renew</c>) and serves Socket.IO at
    /// <paramref name="path"/>. CORS is left to the application's middleware.
    /// </summary>
    public static IEndpointConventionBuilder MapOrderRealtime(this IEndpointRouteBuilder endpoints, string path = "/socket.io")
    {
        var services = endpoints.ServiceProvider;
        var server = services.GetRequiredService<SocketIOServer>();
        var authenticator = services.GetRequiredService<SocketAuthenticator>();
        var rooms = services.GetRequiredService<RoomAssignment>();
        var tokens = services.GetRequiredService<TokenLifetime>();
        server.Default.Use(authenticator.AuthenticateAsync).OnConnection(rooms.OnConnectedAsync).OnConnection(tokens.OnConnectedAsync);
        var metrics = services.GetRequiredService<RealtimeMetrics>();
        metrics.ObserveRooms(server.Default);
        metrics.ObserveFeed(services.GetRequiredService<OrderEventFeed>());
        return endpoints.MapSocketIO(path);
    }
}
