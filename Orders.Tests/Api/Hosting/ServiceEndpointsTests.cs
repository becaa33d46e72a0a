using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Hosting;

public sealed class ServiceEndpointsTests
{
    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await OrdersServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [TestCase("/healthz")]
    [TestCase("/readyz")]
    public async Task Health_endpoints_answer_200_without_a_token(string path)
    {
        using var response = await _server.Http.GetAsync(new Uri(path, UriKind.Relative)).Within();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_openapi_document_describes_the_orders_endpoints()
    {
        var document = await _server.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json").Within();
        var paths = document.GetProperty("paths");
        using (new AssertionScope())
        {
            paths.TryGetProperty("/api/orders", out _).Should().BeTrue();
            paths.TryGetProperty("/api/orders/{id}/status", out _).Should().BeTrue();
            paths.TryGetProperty("/api/orders/{id}/cancel", out _).Should().BeTrue();
            document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString().Should().Be("bearer");
        }
    }

    [TestCase("/api/orders", "POST")]
    [TestCase("/api/orders/00000000-0000-0000-0000-000000000000/status", "PATCH")]
    [TestCase("/socket.io/?EIO=4&transport=polling", "POST")]
    public async Task A_preflight_from_the_frontend_origin_is_granted_with_credentials(string path, string method)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", OrdersServer.FrontendOrigin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var response = await _server.Http.SendAsync(request).Within();

        using (new AssertionScope())
        {
            response.StatusCode.Should().Be(HttpStatusCode.NoContent);
            response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(OrdersServer.FrontendOrigin);
            response.Headers.GetValues("Access-Control-Allow-Credentials").Should().Equal("true");
            string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToUpperInvariant()
                .Should().Contain("AUTHORIZATION").And.Contain("CONTENT-TYPE");
            string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")).Should().Contain(method);
        }
    }

    [TestCase("/api/orders")]
    [TestCase("/socket.io/?EIO=4&transport=polling")]
    public async Task Another_origin_gets_no_cors_grant(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await _server.Http.SendAsync(request).Within();
        response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Test]
    public async Task The_socket_io_handshake_carries_the_cors_grant_for_the_frontend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        request.Headers.Add("Origin", OrdersServer.FrontendOrigin);
        using var response = await _server.Http.SendAsync(request).Within();

        using (new AssertionScope())
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(OrdersServer.FrontendOrigin);
            response.Headers.GetValues("Access-Control-Allow-Credentials").Should().Equal("true");
        }
    }
}
