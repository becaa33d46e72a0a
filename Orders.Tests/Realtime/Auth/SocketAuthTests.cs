using System.Net.Http.Headers;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Auth;

public sealed class SocketAuthTests
{
    private const string Refusal = "Authentication error: Invalid token";

    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await OrdersServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private static void ShouldBeRefusal(string packet, string reason)
    {
        packet.Should().StartWith("44", "a CONNECT_ERROR packet for the main namespace");
        using var json = JsonDocument.Parse(packet[2..]);
        using (new AssertionScope(packet))
        {
            json.RootElement.GetProperty("message").GetString().Should().Be(Refusal);
            json.RootElement.GetProperty("data").GetProperty("reason").GetString().Should().Be(reason);
        }
    }

    [Test]
    public async Task A_handshake_without_a_token_is_refused_with_missing_token()
    {
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        ShouldBeRefusal(await raw.ConnectAsync(), "missing_token");
    }

    [Test]
    public async Task An_empty_auth_token_counts_as_missing()
    {
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        ShouldBeRefusal(await raw.ConnectAsync("""{"token":""}"""), "missing_token");
    }

    [TestCase("not-a-jwt")]
    [TestCase("wrong-secret")]
    [TestCase("wrong-issuer")]
    [TestCase("no-sub")]
    public async Task A_bad_token_is_refused_with_invalid_token(string kind)
    {
        var token = kind switch
        {
            "wrong-secret" => TokenFactory.Sign("alice", "another-secret-that-is-long-enough-0123456789", OrdersServer.Issuer),
            "wrong-issuer" => TokenFactory.Sign("alice", OrdersServer.Secret, "https://elsewhere.example"),
            "no-sub" => TokenFactory.Sign(null, OrdersServer.Secret, OrdersServer.Issuer),
            _ => "not.a.jwt",
        };
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        ShouldBeRefusal(await raw.ConnectAsync(JsonSerializer.Serialize(new { token })), "invalid_token");
    }

    // The JWT attacks, one case each, as REST refuses them (AccessTokenTests).
    [TestCaseSource(typeof(TokenFactory), nameof(TokenFactory.Attacks))]
    public async Task An_attack_token_is_refused_with_its_reason((string Kind, string Reason) attack)
    {
        var token = TokenFactory.Attack(attack.Kind, "alice", OrdersServer.Secret, OrdersServer.Issuer);
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        ShouldBeRefusal(await raw.ConnectAsync(JsonSerializer.Serialize(new { token })), attack.Reason);
    }

    [Test]
    public async Task The_hand_made_control_token_connects()
    {
        var token = TokenFactory.Attack("valid", "alice", OrdersServer.Secret, OrdersServer.Issuer);
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        (await raw.ConnectAsync(JsonSerializer.Serialize(new { token }))).Should().StartWith("40{\"sid\":");
    }

    [Test]
    public async Task An_expired_token_is_refused_with_token_expired()
    {
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync();
        ShouldBeRefusal(await raw.ConnectAsync(JsonSerializer.Serialize(new { token = _server.ExpiredToken("alice") })), "token_expired");
    }

    [Test]
    public async Task A_token_in_the_authorization_header_is_accepted()
    {
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync(r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token("alice")));
        (await raw.ConnectAsync()).Should().StartWith("40{\"sid\":");
    }

    [Test]
    public async Task A_token_in_the_accessToken_cookie_is_accepted()
    {
        var raw = new RawSocketIO(_server.Http);
        await raw.OpenAsync(r => r.Headers.Add("Cookie", $"theme=dark; accessToken={_server.Token("alice")}"));
        (await raw.ConnectAsync()).Should().StartWith("40{\"sid\":");
    }

    [Test]
    public async Task The_socket_io_client_sees_the_refusal_as_a_connect_error()
    {
        using var client = OrderSocket.CreateClient(_server.BaseAddress, new { token = _server.ExpiredToken("alice") });
        var error = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnError += (_, message) => error.TrySetResult(message);
        client.OnConnected += (_, _) => error.TrySetException(new InvalidOperationException("An expired token connected."));

        var connecting = client.ConnectAsync();
        (await error.Task.Within()).Should().Contain(Refusal);
        await Task.WhenAny(connecting, Task.Delay(TimeSpan.FromSeconds(5))).Within();
        client.Connected.Should().BeFalse();
    }
}
