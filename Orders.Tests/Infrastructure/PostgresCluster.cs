using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Orders.Tests.Infrastructure;

// A throwaway PostgreSQL cluster in a temp dir on a free loopback port: initdb, pg_ctl start, and on dispose stop and delete.
// initdb refuses root, so when the tests run as root the server runs as the postgres user.
internal sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly string _data;

    private readonly bool _durableCommits;

    private PostgresCluster(string root, int port, bool durableCommits)
    {
        _root = root;
        _data = Path.Combine(root, "data");
        Port = port;
        _durableCommits = durableCommits;
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=15";

    // durableCommits: a COMMIT is answered only once its WAL reached the kernel, so a killed server (StopImmediatelyAsync)
    // keeps every commit it acknowledged, as a production server does. Off, the fastest for tests that never kill it.
    public static async Task<PostgresCluster> StartAsync(bool durableCommits = false)
    {
        var root = Directory.CreateTempSubdirectory("orders-pg-").FullName;
        var cluster = new PostgresCluster(root, FreePort(), durableCommits);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["postgres:", root]);
            }

            await RunAsPostgresAsync("initdb", ["-D", cluster._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    // An outage as a crash looks to clients: every backend killed at once, no goodbye on the connections.
    public Task StopImmediatelyAsync() => RunAsPostgresAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"]);

    // The same data directory on the same port: what a restarted database server looks like to the service.
    public Task StartServerAsync() => RunAsPostgresAsync("pg_ctl", [
        "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start", "-o",
        $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_root} -c fsync=off -c synchronous_commit={(_durableCommits ? "on" : "off")} -c full_page_writes=off -c max_connections=200",
    ]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                await RunAsPostgresAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"]);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(string tool, IReadOnlyList<string> args) =>
        Environment.IsPrivilegedProcess ? RunAsync("runuser", ["-u", "postgres", "--", tool, .. args]) : RunAsync(tool, args);

    private static async Task RunAsync(string fileName, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {CommandTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
