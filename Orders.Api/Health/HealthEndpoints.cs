using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Orders.Realtime;

namespace Orders.Api.Health;

internal static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddOrdersHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]).AddOrderEventsCheck(ReadyTag);
        return services;
    }

    // /healthz: the process answers. /readyz: it can reach its database and reads order events (503 otherwise).
    public static IEndpointRouteBuilder MapOrdersHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) })
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
