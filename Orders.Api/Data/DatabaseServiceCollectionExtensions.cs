using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Realtime;

namespace Orders.Api.Data;

internal static class DatabaseServiceCollectionExtensions
{
    public static IServiceCollection AddOrdersDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().Configure<IConfiguration>(DatabaseOptions.Bind).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptions.Validator>();
        services.AddSingleton<StartupMigration>();
        // Pooled: options built once and contexts reused. Unpooled, every request rebuilt the options and looked up
        // EF's internal services by comparing them, a measurable share of an order change's CPU.
        // One pool of connections for EF Core and for the order event feed and sessions of Orders.Realtime.
        services.AddSingleton(sp =>
            NpgsqlDataSource.Create(DatabaseOptions.WithServiceDefaults(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)));
        services.AddDbContextPool<OrdersDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            // These failures surface as the exception the request ends with, which is logged (or answered 503) where it
            // is handled; EF's own error line with its stack trace would double each one, a flood during an outage.
            .ConfigureWarnings(w => w.Log(
                (RelationalEventId.ConnectionError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug)))
            .AddOrderEvents(sp));
        return services;
    }
}
