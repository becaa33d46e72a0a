using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Orders.Tests.Protocol;

namespace Orders.Tests.Infrastructure;

internal sealed record RawEvent(string Name, string OrderId, string? NewStatus, long Offset);

// A Socket.IO client over WebSocket by hand, to present { pid, offset } exactly as socket.io-client 4.6+ does.
internal static class RawRecovery
{
    // Connects to the main namespace with `auth`; returns the socket and the pid of the CONNECT answer.
    public static async Task<(ClientWebSocket Socket, string Pid)> ConnectAsync(Uri server, string auth)
    {
        var ws = await OpenAsync(server, auth);
        return (ws, ReadConnect(await ws.ReceiveAsync()).Pid!);
    }

    // Opens an Engine.IO session and sends CONNECT with `auth`; the answer is left to read.
    public static async Task<ClientWebSocket> OpenAsync(Uri server, string auth)
    {
        var ws = new ClientWebSocket();
        var uri = new Uri(server.ToString().Replace("http", "ws", StringComparison.Ordinal).TrimEnd('/') + "/socket.io/?EIO=4&transport=websocket");
        await ws.ConnectAsync(uri, CancellationToken.None).Within();
        (await ws.ReceiveTextAsync()).Should().StartWith("0{");
        await ws.SendTextAsync("40" + auth);
        return ws;
    }

    public static (string Sid, string? Pid) ReadConnect(string packet)
    {
        packet.Should().StartWith("40{");
        using var json = JsonDocument.Parse(packet[2..]);
        return (json.RootElement.GetProperty("sid").GetString()!, json.RootElement.TryGetProperty("pid", out var pid) ? pid.GetString() : null);
    }

    // The next message that is not a ping.
    public static Task<string> ReceiveAsync(this ClientWebSocket ws) => ws.ReceiveTextSkippingPingsAsync();

    public static RawEvent Event(string packet)
    {
        packet.Should().StartWith("42[");
        using var json = JsonDocument.Parse(packet[2..]);
        var args = json.RootElement;
        var payload = args[1];
        return new RawEvent(
            args[0].GetString()!,
            payload.GetProperty("order").GetProperty("id").GetString()!,
            payload.TryGetProperty("newStatus", out var status) ? status.GetString() : null,
            long.Parse(args[args.GetArrayLength() - 1].GetString()!, CultureInfo.InvariantCulture));
    }
}
