using System.Net;
using System.Text.Json;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO;

public sealed class EngineHandshakeTests
{
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Polling_handshake_announces_sid_upgrades_and_limits()
    {
        var body = await _server.Http.GetStringAsync(_server.Url("/engine.io/")).WaitAsync(ConformanceServer.Timeout);
        body.Should().StartWith("0");
        var open = JsonDocument.Parse(body[1..]).RootElement;
        using var _ = new AssertionScope();
        open.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        open.GetProperty("upgrades").EnumerateArray().Select(e => e.GetString()).Should().Equal("websocket");
        open.GetProperty("pingInterval").GetInt32().Should().Be(300);
        open.GetProperty("pingTimeout").GetInt32().Should().Be(200);
        open.GetProperty("maxPayload").GetInt32().Should().Be(1_000_000);
    }

    [Test]
    public async Task Sids_are_url_safe_and_carry_at_least_120_random_bits()
    {
        var sids = new HashSet<string>();
        for (var i = 0; i < 20; i++) sids.Add(await _server.OpenPollingAsync());
        using var _ = new AssertionScope();
        sids.Should().HaveCount(20);
        sids.Should().OnlyContain(s => s.Length >= 20 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'));
    }

    [Test]
    public async Task WebSocket_handshake_offers_no_upgrades()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        var open = await ws.ReceiveTextAsync();
        var json = JsonDocument.Parse(open[1..]).RootElement;
        json.GetProperty("upgrades").GetArrayLength().Should().Be(0);
    }

    [TestCase("/engine.io/?transport=polling", 5, TestName = "Missing EIO is refused with code 5")]
    [TestCase("/engine.io/?EIO=abc&transport=polling", 5, TestName = "Non-numeric EIO is refused with code 5")]
    [TestCase("/engine.io/?EIO=3&transport=polling", 5, TestName = "EIO 3 is refused with code 5")]
    [TestCase("/engine.io/?EIO=4", 0, TestName = "Missing transport is refused with code 0")]
    [TestCase("/engine.io/?EIO=4&transport=abc", 0, TestName = "Unknown transport is refused with code 0")]
    [TestCase("/engine.io/?EIO=4&transport=polling&sid=unknown", 1, TestName = "Unknown sid is refused with code 1")]
    public async Task Bad_requests_get_400_with_the_reference_error_body(string url, int code)
    {
        using var response = await _server.Http.GetAsync(url).WaitAsync(ConformanceServer.Timeout);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("code").GetInt32().Should().Be(code);
        body.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
    }

    [Test]
    public async Task Handshake_by_post_or_put_is_refused_with_code_2()
    {
        using var post = await _server.Http.PostAsync(_server.Url("/engine.io/"), new StringContent("")).WaitAsync(ConformanceServer.Timeout);
        using var put = await _server.Http.PutAsync(_server.Url("/engine.io/"), new StringContent("")).WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        post.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        put.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32().Should().Be(2);
    }

    [Test]
    public async Task Cors_preflight_is_answered_for_allowed_origins()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, _server.Url("/socket.io/"));
        request.Headers.Add("Origin", "http://localhost:3006");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var response = await _server.Http.SendAsync(request).WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Contain("POST");
    }
}
