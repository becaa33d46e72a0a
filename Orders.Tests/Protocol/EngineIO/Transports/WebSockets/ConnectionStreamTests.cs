using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Orders.Protocol.EngineIO;
using Orders.Protocol.EngineIO.Sending;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Tests.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// The connection under a WebSocket served at the Kestrel connection: frames the session built once for every
/// recipient and the WebSocket's own frames share it, whole and in order.
/// </summary>
public sealed class ConnectionStreamTests
{
    private static readonly byte[] CloseFrame = [0x88, 0x02, 0x03, 0xE8];

    [Test]
    public async Task The_ring_sends_each_buffer_to_its_own_socket_in_one_submission()
    {
        var pairs = new List<SocketPair>();
        for (var i = 0; i < 5; i++) pairs.Add(await SocketPair.OpenAsync());
        try
        {
            using var ring = IoUringRing.TryCreate();
            ring.Should().NotBeNull("this machine has io_uring");
            var frames = pairs.Select((_, i) => OutgoingFrame.Text(System.Text.Encoding.UTF8.GetBytes($"42[\"n\",{i}]")).Wire).ToArray();
            var pins = frames.Select(f => f.Pin()).ToArray();
            var results = new int[pairs.Count];
            try
            {
                unsafe
                {
                    var buffers = pins.Select(p => (nint)p.Pointer).ToArray();
                    ring!.SendAll([.. pairs.Select(p => (int)p.Server.Handle)], buffers, [.. frames.Select(f => f.Length)], results).Should().BeTrue();
                }
            }
            finally
            {
                foreach (var pin in pins) pin.Dispose();
            }

            results.Should().Equal(frames.Select(f => f.Length));
            for (var i = 0; i < pairs.Count; i++) (await pairs[i].ReadAsync(frames[i].Length)).Should().Equal(frames[i].ToArray());
        }
        finally
        {
            foreach (var pair in pairs) pair.Dispose();
        }
    }

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

    [Test]
    public async Task A_frame_deferred_to_a_batch_goes_out_before_the_websocket_writes_made_meanwhile()
    {
        using var pair = await SocketPair.OpenAsync();
        using var ring = IoUringRing.TryCreate();
        ring.Should().NotBeNull("this machine has io_uring");
        var stream = new ConnectionStream(new DuplexPipe(), pair.Server);
        var frame = OutgoingFrame.Text("42[\"tick\",1]"u8);

        stream.TryDefer(out var fd).Should().BeTrue();
        stream.TryWriteFrame(OutgoingFrame.Ping.Wire, out _).Should().BeFalse("the connection is reserved for the deferred frame");
        var close = stream.WriteAsync(CloseFrame);
        close.IsCompleted.Should().BeFalse("the WebSocket's close waits for the frame ahead of it");

        var results = new int[1];
        using (var pin = frame.Wire.Pin())
        {
            unsafe
            {
                ring!.SendAll([fd], [(nint)pin.Pointer], [frame.Wire.Length], results).Should().BeTrue();
            }
        }

        results[0].Should().Be(frame.Wire.Length);
        await stream.CompleteDeferred(frame.Wire, results[0]);
        await close;
        (await pair.ReadAsync(frame.Wire.Length + CloseFrame.Length)).Should().Equal([.. frame.Wire.ToArray(), .. CloseFrame]);
    }

    [Test]
    public async Task The_rest_of_a_short_batched_send_goes_through_the_pipe_and_so_does_everything_after()
    {
        using var pair = await SocketPair.OpenAsync();
        var pipe = new DuplexPipe();
        var stream = new ConnectionStream(pipe, pair.Server);
        var frame = OutgoingFrame.Text("42[\"tick\",1]"u8);
        stream.TryDefer(out _).Should().BeTrue();

        // As if the kernel had taken only the first 3 bytes.
        pair.Server.Send(frame.Wire.Span[..3]);
        await stream.CompleteDeferred(frame.Wire, 3);

        stream.TryWriteFrame(OutgoingFrame.Ping.Wire, out _).Should().BeFalse("after a short send the connection writes through the pipe");
        await stream.WriteAsync(CloseFrame);
        (await pair.ReadAsync(3)).Should().Equal(frame.Wire.Span[..3].ToArray());
        (await pipe.ReadWrittenAsync(frame.Wire.Length - 3 + CloseFrame.Length)).Should().Equal([.. frame.Wire.Span[3..].ToArray(), .. CloseFrame]);
    }

    [Test]
    public async Task A_batched_send_that_failed_fails_the_write()
    {
        using var pair = await SocketPair.OpenAsync();
        var stream = new ConnectionStream(new DuplexPipe(), pair.Server);
        stream.TryDefer(out _).Should().BeTrue();

        const int EPipe = 32;
        await FluentActions.Awaiting(async () => await stream.CompleteDeferred(OutgoingFrame.Ping.Wire, -EPipe)).Should().ThrowAsync<IOException>();
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
