using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Orders.LoadGen.Runner;

/// <summary>
/// A throwaway PostgreSQL for the orders scenario: <c>scripts/pg-local.sh</c> on a fresh cluster in a temp directory,
/// on a free port; disposing stops it and deletes the cluster, and so does the runner's exit if it gets that far.
/// </summary>
internal sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _data;
    private readonly int _port;
    private int _stopped;

    private LocalPostgres(string root, string data, int port, string url)
    {
        _root = root;
        _data = data;
        _port = port;
        Url = url;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public string Url { get; }

    /// <summary>
    /// <see cref="Url"/> as an Npgsql connection string with the settings the service adds to its own
    /// (<c>DatabaseOptions.WithServiceDefaults</c>: no reset on close, statements prepared automatically).
    /// </summary>
    public string ConnectionString
    {
        get
        {
            var url = new Uri(Url);
            return new NpgsqlConnectionStringBuilder
            {
                Host = url.Host,
                Port = url.Port,
                Username = url.UserInfo,
                Database = url.AbsolutePath.TrimStart('/'),
                NoResetOnClose = true,
                MaxAutoPrepare = 32,
                MaxPoolSize = 16,
            }.ConnectionString;
        }
    }

    public static async Task<LocalPostgres> StartAsync(string root)
    {
        var port = OrdersScenario.FreePort();
        var data = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"orders-bench-pg-{Environment.ProcessId}-{port}"));
        var (code, output, errors) = await ScriptAsync(root, data, port, "start").ConfigureAwait(false);
        var url = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var pg = new LocalPostgres(root, data, port, url ?? "");
        if (code != 0 || url is null || !url.StartsWith("postgres://", StringComparison.Ordinal))
        {
            await pg.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"PostgreSQL did not start (pg-local.sh exit {code}): {errors.Trim()}");
        }

        return pg;
    }

    /// <summary>CPU time of the postmaster and its backends so far (zero if its pid cannot be read).</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            var pid = File.ReadLines(Path.Combine(_data, "postmaster.pid")).First();
            return ProcessCpu.ReadWithChildren(int.Parse(pid, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        await ScriptAsync(_root, _data, _port, "stop").ConfigureAwait(false);
        DeleteData();
    }

    private void OnExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        ScriptAsync(_root, _data, _port, "stop").GetAwaiter().GetResult();
        DeleteData();
    }

    private void DeleteData()
    {
        try
        {
            if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"orders bench: could not delete {_data}: {ex.Message}");
        }
    }

    private static async Task<(int Code, string Output, string Errors)> ScriptAsync(string root, string data, int port, string command)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Path.Combine(root, "scripts/pg-local.sh"));
        info.ArgumentList.Add(command);
        info.Environment["PG_DATA"] = data;
        info.Environment["PG_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run scripts/pg-local.sh");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await output.ConfigureAwait(false), "timed out after 90 s; " + await errors.ConfigureAwait(false));
        }

        return (process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
    }
}
