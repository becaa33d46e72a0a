using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Orders.LoadGen.Client;

/// <summary>
/// One Socket.IO client over <see cref="ClientWebSocket"/>, for the recovery scenario: Engine.IO v4 and Socket.IO v5
/// by hand (the open packet, a CONNECT to the main namespace with any auth, pings answered), and the Socket.IO
/// packets read one at a time. The load's clients are raw sockets on an epoll loop; one client needs none of that.
/// </summary>
internal sealed class RecoveringClient : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private byte[] _buffer = new byte[64 * 1024];

    private RecoveringClient()
    {
    }

    /// <summary>Opens the WebSocket transport directly and reads the Engine.IO open packet (<c>0{...}</c>).</summary>
    public static async Task<RecoveringClient> OpenAsync(int port, CancellationToken cancellationToken)
    {
        var client = new RecoveringClient();
        try
        {
            var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"));
            await client._socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            var open = await client.ReceiveEngineAsync(cancellationToken).ConfigureAwait(false);
            if (open.Span[0] != (byte)'0') throw new InvalidOperationException($"expected the Engine.IO open packet, got {Text(open.Span)}");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends <c>40{auth}</c>, the CONNECT to the main namespace.</summary>
    public Task SendConnectAsync(string auth, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes("40" + auth), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>
    /// The next Socket.IO packet, without Engine.IO's <c>4</c> (so an event starts with <c>2</c>), valid until the next
    /// call; Engine.IO pings are answered on the way. Cancelling it aborts the connection, as <see cref="ClientWebSocket"/> does.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReceiveEngineAsync(cancellationToken).ConfigureAwait(false);
            switch (message.Span[0])
            {
                case (byte)'2':
                    await _socket.SendAsync("3"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    break;
                case (byte)'4' when message.Length > 1:
                    return message[1..];
                case (byte)'1':
                    throw new InvalidOperationException("the server closed the Engine.IO session");
            }
        }
    }

    /// <summary>The sid and pid of a CONNECT answer (<c>0{"sid":"…","pid":"…"}</c>); anything else, a connect_error included, throws.</summary>
    public static (string Sid, string? Pid) ReadConnect(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 2 || packet[0] != (byte)'0' || packet[1] != (byte)'{') throw new InvalidOperationException($"expected a CONNECT answer, got {Text(packet)}");
        using var json = JsonDocument.Parse(packet[1..].ToArray());
        var sid = json.RootElement.GetProperty("sid").GetString()!;
        var pid = json.RootElement.TryGetProperty("pid", out var p) ? p.GetString() : null;
        return (sid, pid);
    }

    /// <summary>Drops the connection without a close handshake, as a lost network does.</summary>
    public void Abort() => _socket.Abort();

    public void Dispose() => _socket.Dispose();

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 200)]);

    private async Task<ReadOnlyMemory<byte>> ReceiveEngineAsync(CancellationToken cancellationToken)
    {
        var filled = 0;
        while (true)
        {
            if (filled == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("the server closed the WebSocket");
            filled += result.Count;
            if (result.EndOfMessage && filled > 0) return _buffer.AsMemory(0, filled);
        }
    }
}
