using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orders.LoadGen.Client;

/// <summary>
/// A Socket.IO client over WebSocket written by hand on a raw socket, for the slow-reader scenario: after joining it
/// either never reads again, as a phone whose app froze (its receive buffer is kept small, 4 KB, so the kernel stops
/// taking the server's frames early and the server's own send queue is what fills), or, as the control, reads and
/// discards everything (<see cref="DrainAsync"/>). Every client of the generator's workers reads and parses what arrives.
/// </summary>
internal sealed class RawWebSocketClient : IDisposable
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private readonly Socket _socket;

    private RawWebSocketClient(Socket socket) => _socket = socket;

    /// <summary>Opens the WebSocket, reads the Engine.IO open packet, sends CONNECT with <paramref name="token"/> and reads its answer.</summary>
    public static async Task<RawWebSocketClient> ConnectAsync(int port, string token, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token).ConfigureAwait(false);
            var request = $"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var seen = new StringBuilder();
            await ReadUntilAsync(socket, seen, "0{\"sid\"", cts.Token).ConfigureAwait(false);
            seen.Clear(); // nothing more comes before CONNECT, and the open packet must not match the next marker
            await socket.SendAsync(MaskedFrame.Text(Encoding.UTF8.GetBytes($"40{{\"token\":\"{token}\"}}")), SocketFlags.None, cts.Token).ConfigureAwait(false);
            await ReadUntilAsync(socket, seen, "40{\"sid\"", cts.Token).ConfigureAwait(false);
            return new RawWebSocketClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads and discards whatever arrives until <paramref name="stop"/> or the server closes: a reader as fast as the kernel.</summary>
    public async Task DrainAsync(CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();

    // Frames and HTTP headers read as Latin-1 text: enough to find an ASCII marker, which is all this client needs.
    private static async Task ReadUntilAsync(Socket socket, StringBuilder seen, string marker, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new IOException($"the server closed the connection before '{marker}': {seen}");
            seen.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
    }
}
