using System.Net;
using System.Net.Http.Headers;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Auth;

// REST authentication: 401 for a missing, expired, foreign or subject-less token.
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

    [TestCase("expired")]
    [TestCase("wrong-secret")]
    [TestCase("wrong-issuer")]
    [TestCase("garbage")]
    public async Task A_bad_token_is_401(string kind)
    {
        var token = kind switch
        {
            "expired" => _server.ExpiredToken("alice"),
            "wrong-secret" => TokenFactory.Sign("alice", "another-secret-that-is-long-enough-0123456789", OrdersServer.Issuer),
            "wrong-issuer" => TokenFactory.Sign("alice", OrdersServer.Secret, "https://elsewhere.example"),
            _ => "not.a.jwt",
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _server.Http.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_token_without_sub_is_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenFactory.Sign(null, OrdersServer.Secret, OrdersServer.Issuer));
        using var response = await _server.Http.SendAsync(request).Within();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
