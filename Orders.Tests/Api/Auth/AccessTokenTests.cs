using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Auth;

// REST authentication: a 401 ProblemDetails for a missing token and for every JWT attack.
public sealed class AccessTokenTests
{
    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await OrdersServer.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Without_a_token_the_api_answers_401_problem()
    {
        using var response = await _server.Http.GetAsync(new Uri("/api/orders", UriKind.Relative)).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [TestCase("wrong-secret")]
    [TestCase("garbage")]
    public async Task A_bad_token_is_401(string kind)
    {
        var token = kind switch
        {
            "wrong-secret" => TokenFactory.Sign("alice", TokenFactory.OtherSecret, OrdersServer.Issuer),
            _ => "not.a.jwt",
        };
        await ShouldBeRefusedAsync(token);
    }

    // The JWT attacks, one case each; the socket handshake refuses the same list (SocketAuthTests).
    [TestCaseSource(typeof(TokenFactory), nameof(TokenFactory.Attacks))]
    public async Task An_attack_token_is_401_problem((string Kind, string Reason) attack)
    {
        await ShouldBeRefusedAsync(TokenFactory.Attack(attack.Kind, "alice", OrdersServer.Secret, OrdersServer.Issuer));
    }

    [Test]
    public async Task The_hand_made_control_token_is_accepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenFactory.Attack("valid", "alice", OrdersServer.Secret, OrdersServer.Issuer));
        using var response = await _server.Http.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task ShouldBeRefusedAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _server.Http.SendAsync(request).Within();
        using var scope = new AssertionScope(token);
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync().Within());
        problem.RootElement.GetProperty("status").GetInt32().Should().Be(401);
    }

    [Test]
    public async Task A_token_without_sub_is_401()
    {
        await ShouldBeRefusedAsync(TokenFactory.Sign(null, OrdersServer.Secret, OrdersServer.Issuer));
    }
}
