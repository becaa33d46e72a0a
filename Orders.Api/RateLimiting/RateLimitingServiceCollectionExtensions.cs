using Microsoft.Extensions.Options;

namespace Orders.Api.RateLimiting;

internal static class RateLimitingServiceCollectionExtensions
{
    // ASP.NET Core's rate-limiting middleware with the per-user write policy; endpoints opt in with
    // RequireRateLimiting(WritesPerUserPolicy.Name). Its refusals are counted by the middleware's own meter
    // (aspnetcore.rate_limiting.*), which the ASP.NET Core instrumentation exports at /metrics.
    public static IServiceCollection AddOrdersRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WriteRateLimitOptions>().Bind(configuration.GetSection(WriteRateLimitOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WriteRateLimitOptions>, WriteRateLimitOptions.Validator>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy<string, WritesPerUserPolicy>(WritesPerUserPolicy.Name);
        });
        return services;
    }
}
