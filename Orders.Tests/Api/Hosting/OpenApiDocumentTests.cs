using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions.Execution;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.Auth;
using Orders.Api.OpenApi;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Hosting;

/// <summary>
/// Every REST route the service maps, checked against <c>/openapi/v1.json</c>: the document has it, declares the
/// ProblemDetails answers the route can give and the ETag / If-Match headers it sets or reads, and the route
/// really answers a missing token with the declared 401 ProblemDetails. The routes come from the running service's
/// endpoints, not from a list kept here, so a route added without its declarations fails.
/// </summary>
public sealed partial class OpenApiDocumentTests : OrdersServerFixture
{
    private const string Problem = "application/problem+json";

    [Test]
    public async Task Every_route_is_documented_with_its_problem_answers_and_version_headers()
    {
        var document = await Server.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json").Within();
        var paths = document.GetProperty("paths");
        var routes = Routes();
        routes.Should().HaveCountGreaterThanOrEqualTo(6, "the orders API maps six calls");

        using (new AssertionScope())
        {
            foreach (var route in routes)
            {
                var what = $"{route.Method} {route.Path}";
                if (!paths.TryGetProperty(route.Path, out var path) || !path.TryGetProperty(route.Method.ToLowerInvariant(), out var operation))
                {
                    AssertionScope.Current.FailWith("{0} is not in the OpenAPI document", what);
                    continue;
                }

                var responses = operation.GetProperty("responses");
                var expected = new List<int> { 401, 503 };
                if (route.Path.Contains("{id}", StringComparison.Ordinal)) expected.Add(404);
                if (operation.TryGetProperty("requestBody", out _) || Parameters(operation).Any(p => p.In is "query" or "header")) expected.Add(400);
                if (route.AdminOnly) expected.Add(403);
                if (route.Method != "GET" && route.Path.Contains("{id}", StringComparison.Ordinal)) expected.Add(409);
                if (route.Method != "GET") expected.Add(429);
                foreach (var status in expected)
                {
                    var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    responses.TryGetProperty(key, out var response).Should().BeTrue($"{what} can answer {status}");
                    if (response.ValueKind == JsonValueKind.Object)
                    {
                        response.TryGetProperty("content", out var content).Should().BeTrue($"{what} answers {status} with a body");
                        if (content.ValueKind == JsonValueKind.Object) content.TryGetProperty(Problem, out _).Should().BeTrue($"{what}'s {status} is ProblemDetails");
                    }
                }

                if (route.VersionedOrder is { } versioned)
                {
                    var success = responses.EnumerateObject().Single(r => r.Name is "200" or "201").Value;
                    success.TryGetProperty("headers", out var headers).Should().BeTrue($"{what} sets ETag");
                    if (headers.ValueKind == JsonValueKind.Object) headers.TryGetProperty("ETag", out _).Should().BeTrue($"{what} sets ETag");
                    Parameters(operation).Any(p => p is { In: "header", Name: "If-Match" }).Should().Be(versioned, $"{what} {(versioned ? "reads" : "ignores")} If-Match");
                }
            }

            // And nothing documented that the service does not serve.
            foreach (var path in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
            {
                foreach (var method in path.Value.EnumerateObject())
                {
                    routes.Should().Contain(r => r.Path == path.Name && r.Method == method.Name.ToUpperInvariant(), $"{method.Name} {path.Name} is documented");
                }
            }
        }
    }

    [Test]
    public async Task Every_route_answers_a_missing_token_with_the_documented_401_problem()
    {
        using (new AssertionScope())
        {
            foreach (var route in Routes())
            {
                var uri = route.Path.Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), uri);
                if (route.Method is "POST" or "PATCH") request.Content = JsonContent.Create(new { });
                using var response = await Server.Http.SendAsync(request).Within();
                response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{route.Method} {route.Path} without a token");
                response.Content.Headers.ContentType?.MediaType.Should().Be(Problem, $"{route.Method} {route.Path} without a token");
            }
        }
    }

    private List<Route> Routes() => Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method => new Route(
            method,
            // "/api/orders/{id:guid}" is "/api/orders/{id}" in the document; "/api/orders/" is "/api/orders".
            Constraint().Replace(e.RoutePattern.RawText!, "}").TrimEnd('/'),
            e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == AuthPolicies.Admin),
            e.Metadata.GetMetadata<VersionedOrder>()?.AcceptsIfMatch)))
        .ToList();

    private static IEnumerable<(string? In, string? Name)> Parameters(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Select(p => (p.GetProperty("in").GetString(), p.GetProperty("name").GetString()))
            : [];

    [GeneratedRegex(@":[a-z]+\}")]
    private static partial Regex Constraint();

    private sealed record Route(string Method, string Path, bool AdminOnly, bool? VersionedOrder);
}
