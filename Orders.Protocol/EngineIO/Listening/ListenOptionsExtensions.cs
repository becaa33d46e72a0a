using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Orders.Protocol.EngineIO.Listening;

internal static class ListenOptionsExtensions
{
    public static ListenOptions UseEngineIOConnections(this ListenOptions listen, EngineIOConnectionRegistry registry)
    {
        listen.Use(next => new EngineIOConnectionMiddleware(registry, next).OnConnectionAsync);
        return listen;
    }
}
