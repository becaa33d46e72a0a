using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Connections;

namespace Orders.Tests.Protocol.EngineIO.Connections;

/// <summary>
/// The connection under a WebSocket served at the Kestrel connection: frames the session built once for every
/// recipient and the WebSocket's own frames share it, whole and in order.
/// </summary>
public sealed class ConnectionStreamTests
{
    private static readonly byte[] CloseFrame = [0x88, 0x02, 0x03, 0xE8];

    [Test]
    public async Task A_prebuilt_frame_goes_to_the_socket_byte_for_byte()
    {
        using var pair = await SocketPair.OpenAsync();
        var pipe = new DuplexPipe();
        var stream = new ConnectionStream(pipe, pair.Server);
        var frame = OutgoingFrame.Text("42[\"order:updated\",{}]"u8);

        stream.TryWriteFrame(frame.Wire, out var written).Should().BeTrue();
        await written;

        (await pair.ReadAsync(frame.Wire.Length)).Should().Equal(frame.Wire.ToArray());
        (await pipe.ReadWrittenAsync()).Should().BeEmpty("a direct send does not touch Kestrel's pipe");
    }

    [Test]
    public async Task No_prebuilt_frame_is_taken_after_the_websocket_wrote_its_close_frame()
    {
        using var pair = await SocketPair.OpenAsync();
        var stream = new ConnectionStream(new DuplexPipe(), pair.Server);

        await stream.WriteAsync(CloseFrame);

        stream.TryWriteFrame(OutgoingFrame.Ping.Wire, out _).Should().BeFalse("no data frame may follow a close frame");
        (await pair.ReadAsync(CloseFrame.Length)).Should().Equal(CloseFrame);
    }

    [Test]
    public async Task Through_the_pipe_prebuilt_frames_are_left_to_the_websocket_and_writes_keep_their_order()
    {
        // A pipe that pauses the writer after 16 bytes: the first write's flush waits for the reader, and the
        // second must queue behind it rather than write (or flush) concurrently.
        var pipe = new DuplexPipe(pauseWriterThreshold: 16);
        var stream = new ConnectionStream(pipe, socket: null);
        byte[] first = [.. Enumerable.Repeat((byte)'a', 32)];
        byte[] second = [.. Enumerable.Repeat((byte)'b', 8)];

        stream.TryWriteFrame(OutgoingFrame.Ping.Wire, out _).Should().BeFalse();
        var a = stream.WriteAsync(first);
        var b = stream.WriteAsync(second);
        a.IsCompleted.Should().BeFalse("the pipe is over its threshold until the reader catches up");

        var read = await pipe.ReadWrittenAsync(first.Length + second.Length);
        await a;
        await b;
        read.Should().Equal([.. first, .. second]);
    }

    /// <summary>Kestrel's side of a connection: the stream reads <see cref="Input"/> and writes <see cref="Output"/>.</summary>
    private sealed class DuplexPipe(long pauseWriterThreshold = 65_536) : IDuplexPipe
    {
        private readonly Pipe _input = new();
        private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: pauseWriterThreshold, resumeWriterThreshold: 1));

        public PipeReader Input => _input.Reader;

        public PipeWriter Output => _output.Writer;

        /// <summary>Reads what was written to the output until <paramref name="count"/> bytes, or what is there now when 0.</summary>
        public async Task<byte[]> ReadWrittenAsync(int count = 0)
        {
            var received = new List<byte>();
            while (true)
            {
                if (count == 0)
                {
                    if (!_output.Reader.TryRead(out var now)) return [];
                    received.AddRange(now.Buffer.ToArray());
                    _output.Reader.AdvanceTo(now.Buffer.End);
                    return [.. received];
                }

                var result = await _output.Reader.ReadAsync().AsTask().WaitAsync(ConformanceServer.Timeout);
                received.AddRange(result.Buffer.ToArray());
                _output.Reader.AdvanceTo(result.Buffer.End);
                if (received.Count >= count) return [.. received];
            }
        }
    }

    /// <summary>Two connected loopback sockets: the server end the stream sends on, the client end the test reads.</summary>
    private sealed class SocketPair : IDisposable
    {
        private SocketPair(Socket server, Socket client)
        {
            Server = server;
            Client = client;
        }

        public Socket Server { get; }

        public Socket Client { get; }

        public static async Task<SocketPair> OpenAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var accepting = listener.AcceptAsync();
            await client.ConnectAsync(listener.LocalEndPoint!);
            return new SocketPair(await accepting.WaitAsync(ConformanceServer.Timeout), client);
        }

        public async Task<byte[]> ReadAsync(int count)
        {
            var buffer = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                var n = await Client.ReceiveAsync(buffer.AsMemory(filled)).AsTask().WaitAsync(ConformanceServer.Timeout);
                if (n == 0) break;
                filled += n;
            }

            return buffer[..filled];
        }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
        }
    }
}
