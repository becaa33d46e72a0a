using System.Diagnostics;
using System.Text.Json;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Orders.Api.Auth;
using Orders.Realtime.Auth;
using Orders.Tests.Infrastructure;
using Orders.Tests.Protocol;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Orders.Tests.Realtime.Auth;

// A socket lives as long as its access token, unless renewed in band. Real tokens of a few seconds against the real
// service, with a clock skew of 1 s and auth:expiring 1 s before exp, so each case takes seconds, not minutes.
public sealed class TokenExpiryTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(1);

    // A timer may fire a little before the wall clock says the moment came; more than this is a bug.
    private static readonly TimeSpan Early = TimeSpan.FromMilliseconds(100);

    // A busy two-core machine may be late, never by seconds.
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(3);

    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await OrdersServer.StartAsync(new Dictionary<string, string?>
    {
        ["ACCESS_TOKEN_CLOCK_SKEW_SECONDS"] = "1",
        ["TokenRenewal:RenewBefore"] = "00:00:01",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    private string ShortToken(string user, bool admin = false) => _server.Token(user, admin, TimeSpan.FromSeconds(3));

    private static DateTimeOffset ExpiryOf(string token) => new(new JsonWebToken(token).ValidTo, TimeSpan.Zero);

    [TestCase(TransportProtocol.WebSocket)]
    [TestCase(TransportProtocol.Polling)]
    public async Task A_socket_whose_token_expires_is_warned_then_told_why_and_disconnected_at_exp_plus_skew(TransportProtocol transport)
    {
        var token = ShortToken(NewUser());
        var exp = ExpiryOf(token);
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, token, transport);
        var disconnected = Disconnection(socket);

        var reason = await disconnected.Within();
        var endedAt = DateTimeOffset.UtcNow;

        var events = socket.Events;
        using (new AssertionScope())
        {
            reason.Should().Be("io server disconnect", "the server ends the socket, so the client does not reconnect by itself");
            events.Select(e => e.Name).Should().Equal("auth:expiring", "auth:expired");
            events[0].Payload.GetProperty("expiresAt").GetDateTimeOffset().Should().Be(exp);
            events[1].Payload.GetProperty("reason").GetString().Should().Be("token_expired");
            endedAt.Should().BeOnOrAfter(exp + Skew - Early).And.BeBefore(exp + Skew + Late);
        }
    }

    [Test]
    public async Task A_renewed_token_keeps_the_socket_past_the_old_expiry()
    {
        var user = NewUser();
        var token = ShortToken(user);
        var oldEnd = ExpiryOf(token) + Skew;
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, token);
        var disconnected = Disconnection(socket);
        await socket.WaitUntilAsync(e => e.Name == "auth:expiring");

        var renewed = _server.Token(user, lifetime: TimeSpan.FromMinutes(10));
        var ack = await RenewAsync(socket, new { token = renewed });
        await Task.Delay(oldEnd - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        var created = (await socket.WaitUntilAsync(e => e.Name == "order:created"))[^1];

        using (new AssertionScope())
        {
            ack.GetProperty("ok").GetBoolean().Should().BeTrue();
            ack.GetProperty("expiresAt").GetDateTimeOffset().Should().Be(ExpiryOf(renewed));
            disconnected.IsCompleted.Should().BeFalse("the renewed token is valid for ten more minutes");
            socket.Client.Connected.Should().BeTrue();
            socket.Events.Select(e => e.Name).Should().NotContain("auth:expired");
            created.Payload.GetProperty("order").GetProperty("id").GetString().Should().Be(order.Id());
        }
    }

    [Test]
    public async Task A_renewal_for_another_user_is_refused_and_the_socket_ends_at_the_old_expiry()
    {
        var token = ShortToken(NewUser());
        var end = ExpiryOf(token) + Skew;
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, token);
        var disconnected = Disconnection(socket);
        await socket.WaitUntilAsync(e => e.Name == "auth:expiring");

        var ack = await RenewAsync(socket, new { token = _server.Token(NewUser(), lifetime: TimeSpan.FromMinutes(10)) });
        var reason = await disconnected.Within();
        var endedAt = DateTimeOffset.UtcNow;

        using (new AssertionScope())
        {
            ack.GetProperty("ok").GetBoolean().Should().BeFalse();
            ack.GetProperty("reason").GetString().Should().Be("subject_mismatch");
            reason.Should().Be("io server disconnect");
            socket.Events.Select(e => e.Name).Should().EndWith("auth:expired");
            endedAt.Should().BeOnOrAfter(end - Early).And.BeBefore(end + Late);
        }
    }

    // Refusals that leave the socket as it was; malformed payloads included, none of which may throw.
    [TestCase("garbage", "invalid_token")]
    [TestCase("wrong-secret", "invalid_token")]
    [TestCase("expired", "token_expired")]
    [TestCase("admin", "role_changed")]
    [TestCase("no-token", "missing_token")]
    [TestCase("token-not-a-string", "missing_token")]
    [TestCase("payload-a-string", "missing_token")]
    [TestCase("no-payload", "missing_token")]
    public async Task A_bad_renewal_is_refused_with_a_reason_and_the_socket_stays(string kind, string expected)
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        object? payload = kind switch
        {
            "garbage" => new { token = "not.a.jwt" },
            "wrong-secret" => new { token = TokenFactory.Sign(user, "another-secret-that-is-long-enough-0123456789", OrdersServer.Issuer) },
            "expired" => new { token = _server.ExpiredToken(user) },
            "admin" => new { token = _server.Token(user, admin: true) },
            "no-token" => new { },
            "token-not-a-string" => new { token = 42 },
            "payload-a-string" => "a token?",
            _ => null,
        };

        var ack = payload is null ? await RenewAsync(socket) : await RenewAsync(socket, payload);
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        var created = (await socket.WaitUntilAsync(e => e.Name == "order:created"))[^1];

        using (new AssertionScope())
        {
            ack.GetProperty("ok").GetBoolean().Should().BeFalse();
            ack.GetProperty("reason").GetString().Should().Be(expected);
            ack.TryGetProperty("expiresAt", out _).Should().BeFalse();
            created.Payload.GetProperty("order").GetProperty("id").GetString().Should().Be(order.Id());
        }
    }

    // The handshake runs again on recovery: the socket takes the expiry of the token presented then, not the old one.
    [Test]
    public async Task A_recovered_socket_lives_by_the_token_it_presented_on_reconnect()
    {
        var user = NewUser();
        using var first = await RawRecovery.OpenAsync(_server.BaseAddress, JsonSerializer.Serialize(new { token = _server.Token(user) }));
        var (sid, pid) = RawRecovery.ReadConnect(await first.ReceiveTextSkippingPingsAsync());
        first.Abort();
        await Task.Delay(200);

        var shortToken = ShortToken(user);
        var end = ExpiryOf(shortToken) + Skew;
        using var back = await RawRecovery.OpenAsync(_server.BaseAddress, JsonSerializer.Serialize(new { token = shortToken, pid }));
        var recoveredSid = RawRecovery.ReadConnect(await back.ReceiveTextSkippingPingsAsync()).Sid;
        var expiring = await back.ReceiveTextSkippingPingsAsync();
        var expired = await back.ReceiveTextSkippingPingsAsync();
        var endedAt = DateTimeOffset.UtcNow;
        var disconnect = await back.ReceiveTextSkippingPingsAsync();

        using (new AssertionScope())
        {
            recoveredSid.Should().Be(sid, "the session was recovered");
            expiring.Should().StartWith("42[\"auth:expiring\",");
            expired.Should().Be("42[\"auth:expired\",{\"reason\":\"token_expired\"}]");
            disconnect.Should().Be("41");
            endedAt.Should().BeOnOrAfter(end - Early).And.BeBefore(end + Late);
        }
    }

    [Test]
    public void The_token_settings_are_bound_from_configuration_and_the_skew_is_validated()
    {
        var validator = new AccessTokenOptions.Validator();
        using (new AssertionScope())
        {
            validator.Validate(null, new AccessTokenOptions { Secret = OrdersServer.Secret, ClockSkew = TimeSpan.FromMinutes(6) }).Failed.Should().BeTrue();
            validator.Validate(null, new AccessTokenOptions { Secret = OrdersServer.Secret, ClockSkew = TimeSpan.FromSeconds(-1) }).Failed.Should().BeTrue();
            validator.Validate(null, new AccessTokenOptions { Secret = OrdersServer.Secret, ClockSkew = TimeSpan.Zero }).Succeeded.Should().BeTrue();
            _server.Services.GetRequiredService<AccessTokenValidator>().Parameters.ClockSkew.Should().Be(Skew);
            _server.Services.GetRequiredService<IOptions<TokenRenewalOptions>>().Value.RenewBefore.Should().Be(TimeSpan.FromSeconds(1));
        }
    }

    private static Task<string> Disconnection(OrderSocket socket)
    {
        var disconnected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Client.OnDisconnected += (_, reason) => disconnected.TrySetResult(reason);
        return disconnected.Task;
    }

    private static async Task<JsonElement> RenewAsync(OrderSocket socket, params object[] payload)
    {
        var acked = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await socket.Client.EmitAsync("auth:renew", r => acked.TrySetResult(r.GetValue<JsonElement>(0).Clone()), payload).Within();
        return await acked.Task.Within();
    }
}
