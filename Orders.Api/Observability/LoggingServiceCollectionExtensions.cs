using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Orders.Api.Observability;

internal static class LoggingServiceCollectionExtensions
{
    // LOG_FORMAT=json for one JSON object per line (CLEF); LOG_LEVEL for the minimum level; a "Serilog" section overrides both.
    public static IServiceCollection AddOrdersLogging(this IServiceCollection services, IConfiguration configuration)
    {
        var json = string.Equals(configuration["LOG_FORMAT"], "json", StringComparison.OrdinalIgnoreCase);
        var level = Enum.TryParse<LogEventLevel>(configuration["LOG_LEVEL"], ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        services.AddSerilog((_, logger) =>
        {
            logger.MinimumLevel.Is(level)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
                // A failing command surfaces as an exception that is logged where it is handled; logging it here too
                // would also print the expected miss of the migrations history table on a fresh database.
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Database.Command", LogEventLevel.Fatal)
                // An unhealthy check is an error line per probe, every few seconds for as long as an outage lasts; the
                // outage itself is logged once by the services that notice it, and /readyz answers 503 meanwhile.
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .Enrich.FromLogContext()
                .ReadFrom.Configuration(configuration);
            if (json)
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        return services;
    }
}
