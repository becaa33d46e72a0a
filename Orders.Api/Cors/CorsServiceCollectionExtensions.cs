namespace Orders.Api.Cors;

internal static class CorsServiceCollectionExtensions
{
    public static IServiceCollection AddFrontendCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = FrontendOrigins.Parse(configuration["FRONTEND_URL"]);
        services.AddCors(cors => cors.AddPolicy(FrontendOrigins.PolicyName, policy => policy
            .WithOrigins(origins)
            .AllowCredentials()
            .WithHeaders("Authorization", "Content-Type", "If-Match")
            .WithExposedHeaders("Location", "ETag")
            .WithMethods("GET", "POST", "PATCH")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }
}
