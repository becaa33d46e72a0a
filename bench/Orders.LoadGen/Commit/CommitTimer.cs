using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Orders.LoadGen.Commit;

/// <summary>
/// <c>Orders.LoadGen commit-timer CONNECTION ORDER OWNER COUNT BLOCK WARMUP</c>, pinned to the server's core as
/// Orders.Api is, with PostgreSQL on the other: the commit time at the database of one order change, each
/// <see cref="CommitKind"/> from one connection, one at a time. WARMUP of each, interleaved, then blocks of BLOCK per
/// kind, the kinds taking turns (and rotating which goes first) until each has COUNT, so a drift of the host or of
/// the database (autovacuum, the table growing) reaches every kind alike. Prints <c>payload BYTES</c>, then one
/// <c>samples KIND µs µs ...</c> line per kind in the order taken, one <c>locked KIND µs µs ...</c> per kind that
/// takes the outbox's lock (its lock window, see <see cref="OrderChangeCommits"/>), then <c>done</c>.
/// </summary>
internal static class CommitTimer
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [var connectionString, var order, var owner, var countText, var blockText, var warmupText]
            || !Guid.TryParse(order, out var orderId)
            || !int.TryParse(countText, CultureInfo.InvariantCulture, out var count)
            || !int.TryParse(blockText, CultureInfo.InvariantCulture, out var block) || block < 1
            || !int.TryParse(warmupText, CultureInfo.InvariantCulture, out var warmup))
        {
            await Console.Error.WriteLineAsync("usage: Orders.LoadGen commit-timer CONNECTION ORDER OWNER COUNT BLOCK WARMUP").ConfigureAwait(false);
            return 2;
        }

        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            var commits = new OrderChangeCommits(connection, orderId, owner, await XminAsync(connection, orderId).ConfigureAwait(false));
            var kinds = Enum.GetValues<CommitKind>();
            for (var i = 0; i < warmup; i++)
            {
                foreach (var kind in kinds) await commits.CommitAsync(kind).ConfigureAwait(false);
            }

            var samples = kinds.ToDictionary(k => k, _ => new List<long>(count));
            var locked = kinds.ToDictionary(k => k, _ => new List<long>(count));
            for (var round = 0; samples.Values.Any(s => s.Count < count); round++)
            {
                for (var j = 0; j < kinds.Length; j++)
                {
                    var kind = kinds[(round + j) % kinds.Length];
                    for (var left = Math.Min(block, count - samples[kind].Count); left > 0; left--)
                    {
                        var (ticks, lockTicks) = await commits.CommitAsync(kind).ConfigureAwait(false);
                        samples[kind].Add(ticks);
                        if (lockTicks > 0) locked[kind].Add(lockTicks);
                    }
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"payload {commits.PayloadBytes}"));
            foreach (var (kind, ticks) in samples) Print("samples", kind, ticks);
            foreach (var (kind, ticks) in locked.Where(l => l.Value.Count > 0)) Print("locked", kind, ticks);

            Console.WriteLine("done");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"commit-timer: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static void Print(string what, CommitKind kind, List<long> ticks)
    {
        var line = new StringBuilder(what).Append(' ').Append(kind);
        foreach (var t in ticks) line.Append(' ').Append((t * 1e6 / Stopwatch.Frequency).ToString("F1", CultureInfo.InvariantCulture));
        Console.WriteLine(line);
    }

    private static async Task<uint> XminAsync(NpgsqlConnection connection, Guid orderId)
    {
        await using var command = new NpgsqlCommand("SELECT xmin FROM orders WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = orderId });
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as uint? ?? throw new InvalidOperationException($"order {orderId} not found");
    }
}
