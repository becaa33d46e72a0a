using System.Net;
using System.Text;
using System.Text.Json;
using Orders.Protocol.EngineIO;
using Orders.Tests.Protocol.EngineIO.Listening;

namespace Orders.Tests.Protocol.EngineIO.Limits;

/// <summary>Which way a WebSocket handshake to <c>/engine.io/</c> is answered.</summary>
public enum AcceptPath
{
    /// <summary>The Socket.IO server's own listener, before Kestrel (the default).</summary>
    Listener,

    /// <summary>Kestrel's connection, before its HTTP layer (listener off).</summary>
    Connection,

    /// <summary>ASP.NET Core's WebSocket middleware (both of the above off for the endpoint).</summary>
    AspNetCore,
}

/// <summary>The conformance host with limits on its raw Engine.IO endpoint, and raw handshakes of either transport.</summary>
internal static class LimitedServer
{
    public const string EnginePath = "/engine.io/";

    public static Task<ConformanceServer> StartAsync(AcceptPath path, Action<EngineIOLimitOptions> limits) =>
        ConformanceServer.StartAsync(
            pingIntervalMs: 10_000,
            pingTimeoutMs: 10_000,
            socketIO: o => o.EngineIO.IO.AcceptWebSocketsAtListener = path == AcceptPath.Listener,
            engineIO: o =>
            {
                o.IO.AcceptWebSocketsOnConnection = path != AcceptPath.AspNetCore;
                limits(o.Limits);
            });

    /// <summary>A WebSocket handshake from a raw TCP client: its response head (and, when refused, its body).</summary>
    public static async Task<(RawClient Client, string Head, string Body)> WebSocketHandshakeAsync(ConformanceServer server)
    {
        var client = await RawClient.ConnectAsync(server.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {EnginePath}?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        var head = await client.ReadHeadAsync();
        var body = head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) ? await client.ReadTextFrameAsync() : await client.ReadAvailableTextAsync();
        return (client, head, body);
    }

    public static async Task<HttpResponseMessage> PollingHandshakeAsync(ConformanceServer server) =>
        await server.Http.GetAsync(server.Url(EnginePath)).WaitAsync(ConformanceServer.Timeout);

    /// <summary>The <c>code</c> and <c>message</c> of an Engine.IO error body.</summary>
    public static (int Code, string Message) Error(string body)
    {
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("code").GetInt32(), json.RootElement.GetProperty("message").GetString()!);
    }

    public static bool IsTooManyRequests(string head) => head.StartsWith("HTTP/1.1 429", StringComparison.Ordinal);

    public static bool IsTooManyRequests(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.TooManyRequests;
}
