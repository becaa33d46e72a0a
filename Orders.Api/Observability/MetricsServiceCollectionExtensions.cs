using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Orders.Api.Observability;

internal static class MetricsServiceCollectionExtensions
{
    // Protocol and Realtime publish through System.Diagnostics.Metrics; OpenTelemetry turns them into Prometheus text at /metrics.
    public static IServiceCollection AddOrdersMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("orders-api")).WithMetrics(metrics => metrics
            // The rate limiter's decisions (aspnetcore.rate_limiting.*): REST writes refused per user are counted there.
            .AddMeter("Orders.Protocol", "Orders.Realtime", "Microsoft.AspNetCore.RateLimiting")
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
