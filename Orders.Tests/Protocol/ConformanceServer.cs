using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orders.Conformance;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol;

/// <summary>The conformance host on 127.0.0.1 port 0, with raw HTTP and WebSocket helpers.</summary>
internal sealed class ConformanceServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private ConformanceServer(WebApplication app)
    {
        App = app;
        BaseUri = ConformanceHost.Address(app);
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = Timeout };
    }

    public WebApplication App { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public SocketIOServer IO => App.Services.GetRequiredService<SocketIOServer>();

    public static async Task<ConformanceServer> StartAsync(
        int pingIntervalMs = 300, int pingTimeoutMs = 200, int connectTimeoutMs = 1000, long maxPayload = 1_000_000,
        Action<IServiceCollection>? services = null, Action<SocketIOOptions>? socketIO = null, int port = 0,
        Action<EngineIOOptions>? engineIO = null)
    {
        var app = ConformanceHost.Build(new ConformanceOptions(port, pingIntervalMs, pingTimeoutMs, connectTimeoutMs, maxPayload), services, socketIO, engineIO);
        await app.StartAsync().WaitAsync(Timeout);
        return new ConformanceServer(app);
    }

    public string Url(string path, string? sid = null, string transport = "polling") =>
        $"{path}?EIO=4&transport={transport}" + (sid is null ? "" : $"&sid={sid}");

    public async Task<string> OpenPollingAsync(string path = "/engine.io/")
    {
        var body = await Http.GetStringAsync(Url(path)).WaitAsync(Timeout);
        return JsonDocument.Parse(body[1..]).RootElement.GetProperty("sid").GetString()!;
    }

    public async Task<HttpResponseMessage> PostAsync(string path, string sid, string body) =>
        await Http.PostAsync(Url(path, sid), new StringContent(body, Encoding.UTF8, "text/plain")).WaitAsync(Timeout);

    public async Task<HttpResponseMessage> GetAsync(string path, string sid) => await Http.GetAsync(Url(path, sid)).WaitAsync(Timeout);

    public async Task<ClientWebSocket> ConnectWebSocketAsync(string path = "/engine.io/", string? sid = null)
    {
        var ws = new ClientWebSocket();
        var uri = new Uri(BaseUri.ToString().Replace("http", "ws", StringComparison.Ordinal).TrimEnd('/') + Url(path, sid, "websocket"));
        await ws.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        return ws;
    }

    /// <summary>
    /// A WebSocket client through the Socket.IO CONNECT to <c>/</c> and past the host's greeting; joins made in
    /// middleware are in place before the CONNECT's answer.
    /// </summary>
    public async Task<ClientWebSocket> ConnectSocketIOAsync()
    {
        var ws = await ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40");
        (await ws.ReceiveTextAsync()).Should().StartWith("40");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().StartWith("42[\"auth\"", "the conformance host greets each socket");
        return ws;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
    }
}

/// <summary>Reads whole WebSocket messages with a bound on every wait.</summary>
internal static class WebSocketExtensions
{
    public static async Task<(bool Binary, byte[] Data)> ReceiveMessageAsync(this WebSocket ws, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? ConformanceServer.Timeout);
        var buffer = new byte[64 * 1024];
        using var ms = new MemoryStream();
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed by the server");
            ms.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType == WebSocketMessageType.Binary, ms.ToArray());
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket ws, TimeSpan? timeout = null)
    {
        var (binary, data) = await ws.ReceiveMessageAsync(timeout);
        binary.Should().BeFalse("a text frame was expected");
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>The next message that is not a ping.</summary>
    public static async Task<string> ReceiveTextSkippingPingsAsync(this WebSocket ws)
    {
        while (true)
        {
            var text = await ws.ReceiveTextAsync();
            if (text != "2") return text;
        }
    }

    public static Task SendTextAsync(this WebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(ConformanceServer.Timeout);

    public static Task SendBinaryAsync(this WebSocket ws, byte[] data) =>
        ws.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None).WaitAsync(ConformanceServer.Timeout);

    /// <summary>Completes when the server closes the socket (or the connection drops).</summary>
    public static async Task<bool> WaitForCloseAsync(this WebSocket ws, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? ConformanceServer.Timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await ws.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close) return true;
            }
        }
        catch (WebSocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
