using System.Diagnostics;
using Npgsql;

namespace Orders.LoadGen.Runner;

/// <summary>
/// The orders scenario's view of the outbox's advisory lock, which every event-writing commit takes and holds to its
/// end: read from <c>pg_locks</c> every <see cref="Every"/>, how many backends were waiting for it, and whether its
/// holder was idle in its transaction (its COMMIT not yet sent by the API). A build from before the outbox takes no
/// such lock and reads zero. Started with the warm-up and counted from the measured phase: the first query jits
/// Npgsql in this process, on PostgreSQL's core, and that took the smoke run's measured second.
/// </summary>
internal sealed class OutboxLockSampler : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);

    private const string Sql = """
        SELECT count(*) FILTER (WHERE NOT l.granted),
               count(*) FILTER (WHERE l.granted AND a.state = 'idle in transaction')
        FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory'
        """;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(double Waiters, double HolderIdle, int Samples)> _sampling;

    /// <param name="connectionString">The database.</param>
    /// <param name="from">Samples taken before this (Stopwatch ticks) are not counted.</param>
    public OutboxLockSampler(string connectionString, long from) => _sampling = SampleAsync(connectionString, from, _stop.Token);

    /// <summary>Stops sampling: the mean number of waiters, the share of samples whose holder was idle in transaction, and the number of samples.</summary>
    public async Task<(double Waiters, double HolderIdle, int Samples)> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        return await _sampling.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        _stop.Dispose();
    }

    // A failing read ends the sampling with what it has (none: the figures are left out); it is a diagnostic, not the run.
    private static async Task<(double, double, int)> SampleAsync(string connectionString, long from, CancellationToken stop)
    {
        long waiters = 0, holderIdle = 0;
        var samples = 0;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(Sql, connection);
            while (!stop.IsCancellationRequested)
            {
                var counted = Stopwatch.GetTimestamp() >= from;
                await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                    if (counted)
                    {
                        waiters += reader.GetInt64(0);
                        holderIdle += reader.GetInt64(1);
                        samples++;
                    }
                }

                await Task.Delay(Every, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"orders bench: the outbox lock could not be sampled: {ex.Message}");
            samples = 0;
        }

        return samples == 0 ? (0, 0, 0) : ((double)waiters / samples, (double)holderIdle / samples, samples);
    }
}
