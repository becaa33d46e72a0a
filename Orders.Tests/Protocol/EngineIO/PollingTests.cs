using System.Net;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO;

public sealed class PollingTests
{
    private const string Path = "/engine.io/";
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 2000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Post_answers_ok_and_the_next_get_returns_every_packet_joined_by_the_separator()
    {
        var sid = await _server.OpenPollingAsync();
        using var post = await _server.PostAsync(Path, sid, "4test1\u001e4test2\u001ebAQIDBA==");
        (await post.Content.ReadAsStringAsync()).Should().Be("ok");
        using var poll = await _server.GetAsync(Path, sid);
        (await poll.Content.ReadAsStringAsync()).Should().Be("4test1\u001e4test2\u001ebAQIDBA==");
    }

    [Test]
    public async Task A_pending_get_is_released_when_a_packet_is_queued()
    {
        var sid = await _server.OpenPollingAsync();
        var poll = _server.GetAsync(Path, sid);
        await Task.Delay(100);
        poll.IsCompleted.Should().BeFalse("the long poll waits for data");
        using var post = await _server.PostAsync(Path, sid, "4late");
        using var response = await poll;
        (await response.Content.ReadAsStringAsync()).Should().Be("4late");
    }

    [Test]
    public async Task Second_concurrent_poll_closes_the_session()
    {
        var sid = await _server.OpenPollingAsync();
        var first = _server.GetAsync(Path, sid);
        await Task.Delay(50);
        using var second = await _server.GetAsync(Path, sid);
        using var firstResponse = await first;
        using var after = await _server.GetAsync(Path, sid);
        using var _ = new AssertionScope();
        firstResponse.StatusCode.Should().Be(HttpStatusCode.OK);
        (await firstResponse.Content.ReadAsStringAsync()).Should().Be("1");
        second.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Client_close_packet_releases_the_pending_poll_with_a_noop_and_ends_the_session()
    {
        var sid = await _server.OpenPollingAsync();
        var poll = _server.GetAsync(Path, sid);
        await Task.Delay(50);
        using var post = await _server.PostAsync(Path, sid, "1");
        using var response = await poll;
        using var after = await _server.GetAsync(Path, sid);
        using var _ = new AssertionScope();
        (await response.Content.ReadAsStringAsync()).Should().Be("6");
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Malformed_packet_closes_the_session_with_400()
    {
        var sid = await _server.OpenPollingAsync();
        using var post = await _server.PostAsync(Path, sid, "abc");
        using var after = await _server.GetAsync(Path, sid);
        using var _ = new AssertionScope();
        post.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Wrong_method_on_an_open_session_is_refused()
    {
        var sid = await _server.OpenPollingAsync();
        using var put = await _server.Http.PutAsync(_server.Url(Path, sid), new StringContent("4x")).WaitAsync(ConformanceServer.Timeout);
        put.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
