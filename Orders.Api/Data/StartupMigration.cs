using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Api.Hosting;
using Orders.Realtime.Outages;

namespace Orders.Api.Data;

// Applies the migrations before the server listens, so no request sees an old schema. A database that does not answer
// yet (started beside the service, restarting, failing over) is waited for with backoff up to Database:StartupTimeout;
// each migration runs in its own transaction, so one cut off midway is simply applied again. What the database refuses
// (authentication, an unknown role, a failed statement) ends the start at once: waiting would not change it.
internal sealed partial class StartupMigration(
    IServiceProvider services, IOptions<DatabaseOptions> options, TimeProvider time, ILogger<StartupMigration> logger)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.MigrateOnStartup) return;

        var target = Describe(settings.ConnectionString);
        var started = time.GetTimestamp();
        var backoff = new Backoff(FirstRetryDelay, MaxRetryDelay);
        while (true)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<OrdersDbContext>().Database.MigrateAsync(cancellationToken);
                if (backoff.Failing) LogReached(logger, target, time.GetElapsedTime(started).TotalSeconds);
                return;
            }
            catch (Exception ex) when (DatabaseUnavailable.Is(ex) && !cancellationToken.IsCancellationRequested)
            {
                var first = !backoff.Failing;
                var delay = backoff.Next();
                if (time.GetElapsedTime(started) + delay > settings.StartupTimeout)
                {
                    throw new StartupFailedException(
                        $"the database at {target} did not answer within Database:StartupTimeout ({settings.StartupTimeout}): {Backoff.Reason(ex)}", ex);
                }

                if (first) LogWaiting(logger, target, Backoff.Reason(ex), settings.StartupTimeout);
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new StartupFailedException($"the database at {target} refused the migrations: {ex.Message}", ex);
            }
        }
    }

    // host:port/database, never the password.
    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "The database at {Database} does not answer ({Reason}); waiting up to {Timeout} before migrating")]
    private static partial void LogWaiting(ILogger logger, string database, string reason, TimeSpan timeout);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "The database at {Database} answered after {Seconds:0.0} s; migrations applied")]
    private static partial void LogReached(ILogger logger, string database, double seconds);
}
