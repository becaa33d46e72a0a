using Orders.Tests.Infrastructure;

namespace Orders.Tests;

// One cluster for the whole test run; every test server gets its own database in it.
[SetUpFixture]
public sealed class TestPostgres
{
    private static PostgresCluster? _cluster;
    private static int _databases;

    internal static PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("The PostgreSQL cluster is not running.");

    internal static string NewDatabaseConnectionString() =>
        Cluster.ConnectionString($"orders_test_{Interlocked.Increment(ref _databases)}");

    [OneTimeSetUp]
    public async Task StartClusterAsync() => _cluster = await PostgresCluster.StartAsync().WaitAsync(TimeSpan.FromSeconds(90));

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
