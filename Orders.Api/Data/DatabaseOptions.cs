using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orders.Api.Data;

// DATABASE_URL (postgres:// URL or keyword form) or ConnectionStrings__Orders; Database__MigrateOnStartup=false to skip migrations.
internal sealed class DatabaseOptions
{
    public string ConnectionString { get; set; } = "";

    public bool MigrateOnStartup { get; set; } = true;

    // How long the start waits for a database that does not answer yet (one starting beside the service, a failover)
    // before it gives up with a message; a database that refuses (wrong password, unknown role) stops the start at once.
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public static void Bind(DatabaseOptions options, IConfiguration configuration)
    {
        configuration.GetSection("Database").Bind(options);
        var configured = configuration["DATABASE_URL"] is { Length: > 0 } url ? url : configuration.GetConnectionString("Orders");
        options.ConnectionString = configured is { Length: > 0 } ? Normalize(configured) : "";
    }

    public static string Normalize(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : null,
        };
        if (uri.Host.Length > 0)
        {
            builder.Host = uri.Host;
        }

        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            builder[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
        }

        return builder.ConnectionString;
    }

    // Npgsql settings the service picks unless the connection string sets them. It keeps no session state (no SET,
    // temporary tables or LISTEN), so a connection back from the pool needs no DISCARD ALL; and it runs the same few
    // statements all day, so each connection prepares them once instead of PostgreSQL parsing and planning every one.
    // At most 16 connections instead of Npgsql's 100: a burst then waits a few milliseconds for a pooled connection
    // instead of opening dozens of new backends that compete with the busy ones for PostgreSQL's few cores.
    public static string WithServiceDefaults(string connectionString)
    {
        // Npgsql's builder knows every keyword with its default; the plain one holds only what was written.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(string keyword) => given.ContainsKey(keyword) || given.ContainsKey(keyword.Replace(" ", "", StringComparison.Ordinal));

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        if (!Given("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (!Given("Maximum Pool Size") && !Given("Max Pool Size"))
        {
            builder.MaxPoolSize = 16;
        }

        return builder.ConnectionString;
    }

    internal sealed class Validator : IValidateOptions<DatabaseOptions>
    {
        public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
        {
            if (options.ConnectionString.Length == 0)
            {
                return ValidateOptionsResult.Fail(
                    "No database configured: set DATABASE_URL (postgres://user:password@host:port/db) or ConnectionStrings__Orders; `make run` starts a project-local PostgreSQL and sets it for you.");
            }

            return options.StartupTimeout < TimeSpan.Zero || options.StartupTimeout > TimeSpan.FromHours(1)
                ? ValidateOptionsResult.Fail($"Database:StartupTimeout must be between 00:00:00 and 01:00:00 (was {options.StartupTimeout}).")
                : ValidateOptionsResult.Success;
        }
    }
}
