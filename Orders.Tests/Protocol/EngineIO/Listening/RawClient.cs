using System.Net.Sockets;
using System.Text;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO.Listening;

/// <summary>A TCP client that speaks just enough HTTP and WebSocket framing to observe the handshake.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _buffered = [];

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(Uri server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port).WaitAsync(ConformanceServer.Timeout);
        return new RawClient(tcp);
    }

    /// <summary>A client-to-server text frame: FIN + text opcode, masked as RFC 6455 requires of clients.</summary>
    public static byte[] MaskedText(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        byte[] mask = [1, 2, 3, 4];
        var frame = new List<byte> { 0x81, (byte)(0x80 | payload.Length) };
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        return [.. frame];
    }

    /// <summary>A client close frame without a status code (masked, as every client frame).</summary>
    public static byte[] MaskedEmptyClose() => [0x88, 0x80, 1, 2, 3, 4];

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WaitAsync(ConformanceServer.Timeout);

    public async Task<string> ReadHeadAsync()
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString([.. _buffered]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _buffered.RemoveRange(0, end + 4);
                return text[..(end + 4)];
            }

            await FillAsync();
        }
    }

    public async Task<string> ReadTextFrameAsync()
    {
        while (true)
        {
            if (_buffered.Count >= 2)
            {
                var length = _buffered[1] & 0x7F;
                var header = 2;
                if (length == 126 && _buffered.Count >= 4)
                {
                    length = (_buffered[2] << 8) | _buffered[3];
                    header = 4;
                }

                if (length < 126 && _buffered.Count >= header + length)
                {
                    (_buffered[0] & 0x0F).Should().Be(1, "a text frame was expected");
                    var text = Encoding.UTF8.GetString([.. _buffered.GetRange(header, length)]);
                    _buffered.RemoveRange(0, header + length);
                    return text;
                }
            }

            await FillAsync();
        }
    }

    /// <summary>The next <paramref name="count"/> bytes, exactly as the server wrote them.</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        while (_buffered.Count < count) await FillAsync();
        var bytes = _buffered.GetRange(0, count).ToArray();
        _buffered.RemoveRange(0, count);
        return bytes;
    }

    /// <summary>True once the server ends the connection; false if it sends more bytes first. Bounded by the server timeout.</summary>
    public async Task<bool> WaitForEndAsync()
    {
        try
        {
            await FillAsync();
            return false;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return true;
        }
    }

    public async Task<string> ReadAvailableTextAsync()
    {
        // The error body follows its head at once; a short wait collects it.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            while (true) await FillAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or EndOfStreamException)
        {
            return Encoding.UTF8.GetString([.. _buffered]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task FillAsync(CancellationToken cancellationToken = default)
    {
        var chunk = new byte[4096];
        var read = await _stream.ReadAsync(chunk, cancellationToken).AsTask().WaitAsync(ConformanceServer.Timeout, cancellationToken);
        if (read == 0) throw new EndOfStreamException("The server closed the connection.");
        _buffered.AddRange(chunk.AsSpan(0, read));
    }
}
