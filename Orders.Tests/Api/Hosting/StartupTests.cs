using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Protocol.SocketIO;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Realtime.Events;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Hosting;

public sealed class StartupTests
{
    [Test]
    public async Task A_short_access_token_secret_stops_start_up_with_a_clear_message()
    {
        var start = () => BuildAndStartAsync("--ACCESS_TOKEN_SECRET=too-short", "--DATABASE_URL=Host=127.0.0.1;Database=none");
        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("ACCESS_TOKEN_SECRET").And.Contain("32");
    }

    [Test]
    public async Task A_missing_database_setting_stops_start_up_with_a_clear_message()
    {
        var start = () => BuildAndStartAsync($"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=", "--ConnectionStrings:Orders=");
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("DATABASE_URL");
    }

    [Test]
    public async Task A_frontend_url_that_is_not_an_origin_stops_start_up_with_a_clear_message()
    {
        var start = () => BuildAndStartAsync($"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none", "--FRONTEND_URL=localhost:3006");
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("FRONTEND_URL");
    }

    [Test]
    public async Task An_event_retention_shorter_than_the_recovery_window_stops_start_up_with_a_clear_message()
    {
        var start = () => BuildAndStartAsync(
            $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none", "--OrderEvents:Retention=00:01:00");
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("OrderEvents:Retention");
    }

    [Test]
    public async Task The_event_retention_is_read_from_configuration()
    {
        await using var app = OrdersApplication.Build(
            ["--urls=http://127.0.0.1:0", $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none", "--OrderEvents:Retention=2.00:00:00"]);
        app.Services.GetRequiredService<IOptions<OrderEventsOptions>>().Value.Retention.Should().Be(TimeSpan.FromDays(2));
    }

    [Test]
    public async Task The_recovery_window_is_read_from_configuration_and_recovery_is_on_by_default()
    {
        await using var app = OrdersApplication.Build(
            ["--urls=http://127.0.0.1:0", $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none",
             "--SocketIO:ConnectionStateRecovery:MaxDisconnectionDuration=00:00:05"]);
        var recovery = app.Services.GetRequiredService<IOptions<SocketIOOptions>>().Value.ConnectionStateRecovery;
        recovery.Enabled.Should().BeTrue();
        recovery.MaxDisconnectionDuration.Should().Be(TimeSpan.FromSeconds(5));
        recovery.SessionOwner.Should().NotBeNull();
    }

    [Test]
    public async Task The_shutdown_timeout_is_the_hosts_and_the_heartbeat_is_read_from_configuration()
    {
        await using var app = OrdersApplication.Build(
            ["--urls=http://127.0.0.1:0", $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none",
             "--Shutdown:Timeout=00:00:07", "--SocketIO:EngineIO:PingInterval=00:00:03"]);
        using (new AssertionScope())
        {
            app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(7));
            app.Services.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO.PingInterval.Should().Be(TimeSpan.FromSeconds(3));
            app.Services.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO.CloseOnApplicationStopping
                .Should().BeFalse("the service closes its sockets itself, once its last events are sent");
        }
    }

    [Test]
    public async Task The_engine_settings_are_read_from_SocketIO_EngineIO_and_an_old_key_fails_start()
    {
        await using (var app = OrdersApplication.Build(
            ["--urls=http://127.0.0.1:0", $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none",
             "--SocketIO:EngineIO:PingTimeout=00:00:04", "--SocketIO:EngineIO:Limits:MaxSessionsPerAddress=7", "--SocketIO:EngineIO:IO:BatchSends=false"]))
        {
            var engine = app.Services.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO;
            using (new AssertionScope())
            {
                engine.PingTimeout.Should().Be(TimeSpan.FromSeconds(4));
                engine.Limits.MaxSessionsPerAddress.Should().Be(7);
                engine.IO.BatchSends.Should().BeFalse();
            }
        }

        // A deployment still setting the key from before the move (SocketIO__PingInterval) must not run on the default.
        var start = () => BuildAndStartAsync(
            $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none", "--SocketIO:PingInterval=00:00:03");
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("'PingInterval'").And.Contain("SocketIO__EngineIO__");
    }

    [Test]
    public async Task A_shutdown_timeout_out_of_range_stops_start_up_with_a_clear_message()
    {
        var start = () => BuildAndStartAsync(
            $"--ACCESS_TOKEN_SECRET={OrdersServer.Secret}", "--DATABASE_URL=Host=127.0.0.1;Database=none", "--Shutdown:Timeout=00:00:00.5");
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Shutdown:Timeout");
    }

    [Test]
    public void A_postgres_url_becomes_an_npgsql_connection_string()
    {
        var parsed = new NpgsqlConnectionStringBuilder(
            DatabaseOptions.Normalize("postgres://orders%40app:p%3Ass@db.internal:6543/orders_prod?sslmode=require"));

        parsed.Host.Should().Be("db.internal");
        parsed.Port.Should().Be(6543);
        parsed.Username.Should().Be("orders@app");
        parsed.Password.Should().Be("p:ss");
        parsed.Database.Should().Be("orders_prod");
        parsed.SslMode.Should().Be(SslMode.Require);
    }

    [Test]
    public void A_keyword_connection_string_is_used_as_is()
    {
        const string keywords = "Host=localhost;Port=5432;Database=orders;Username=me";
        DatabaseOptions.Normalize(keywords).Should().Be(keywords);
    }

    [Test]
    public void Pool_settings_written_in_the_connection_string_win_over_the_service_defaults()
    {
        var defaults = new NpgsqlConnectionStringBuilder(DatabaseOptions.WithServiceDefaults("Host=localhost;Database=orders"));
        var written = new NpgsqlConnectionStringBuilder(
            DatabaseOptions.WithServiceDefaults("Host=localhost;Database=orders;No Reset On Close=false;MaxAutoPrepare=0;Maximum Pool Size=50"));

        using (new AssertionScope())
        {
            defaults.NoResetOnClose.Should().BeTrue();
            defaults.MaxAutoPrepare.Should().BePositive();
            written.NoResetOnClose.Should().BeFalse();
            written.MaxAutoPrepare.Should().Be(0);
            defaults.MaxPoolSize.Should().Be(16);
            written.MaxPoolSize.Should().Be(50);
        }
    }

    // Configuration is checked while the service is composed or, at the latest, before it touches the database.
    private static async Task BuildAndStartAsync(params string[] args)
    {
        await using var app = OrdersApplication.Build(["--urls=http://127.0.0.1:0", .. args]);
        await OrdersApplication.StartAsync(app, CancellationToken.None).Within();
        await app.StopAsync().Within();
    }
}
