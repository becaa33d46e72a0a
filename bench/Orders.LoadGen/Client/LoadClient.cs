using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orders.LoadGen.Client;

/// <summary>
/// One benchmark client on a raw socket: the WebSocket handshake, client-masked frames out, unmasked frames in,
/// and the Engine.IO / Socket.IO text framing by hand. It answers pings, counts events and reads the send
/// timestamp embedded in each event; nothing else is parsed.
/// </summary>
internal sealed class LoadClient
{
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;
    private static readonly byte[] Pong = MaskedText("3"u8);

    private readonly WorkerState _state;
    private readonly string _token;
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    // Events are ~200 bytes: 1 KiB covers a few at once and grows on demand. An 8 KiB buffer per client cost the
    // storm 150 MB of zeroed allocations at 19k clients, on the generator's one core.
    private byte[] _buffer = new byte[1024];
    private int _filled;
    private Stage _stage;
    private bool _joined;

    public LoadClient(WorkerState state, string token)
    {
        _state = state;
        _token = token;
    }

    /// <summary>Connects, joins, then reads until the connection ends. <paramref name="settled"/> runs once: joined or not.</summary>
    public async Task RunAsync(IPEndPoint server, IPAddress source, Action<Outcome> settled)
    {
        var outcome = Outcome.Failed;
        var reported = false;
        void Settle(Outcome o)
        {
            if (reported) return;
            reported = true;
            settled(o);
        }

        try
        {
            // Several source addresses widen the ephemeral port space; the port is picked at connect time.
            _socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            _socket.Bind(new IPEndPoint(source, 0));
            await _socket.ConnectAsync(server).ConfigureAwait(false);
            Interlocked.Increment(ref _state.Open);
            var request = Encoding.ASCII.GetBytes(
                $"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            await _socket.SendAsync(request).ConfigureAwait(false);

            while (true)
            {
                if (_filled == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                var n = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None).ConfigureAwait(false);
                if (n == 0) break;
                _filled += n;
                var result = Process();
                if (result == Outcome.Joined || result == Outcome.Rejected) Settle(result);
                if (_stage == Stage.Done)
                {
                    outcome = result;
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            if (!reported) Interlocked.Increment(ref _state.Errors);
        }
        finally
        {
            Settle(outcome);
            if (_joined) Interlocked.Increment(ref _state.Closed);
            _socket.Dispose();
        }
    }

    public void Close() => _socket.Dispose();

    /// <summary>Consumes whole frames from the buffer; returns what happened to the join, if anything.</summary>
    private Outcome Process()
    {
        var data = _buffer.AsSpan(0, _filled);
        var consumed = 0;
        var outcome = Outcome.Pending;
        if (_stage == Stage.Upgrading)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0) return outcome;
            if (!data.StartsWith("HTTP/1.1 101"u8)) return Fail();
            consumed = end + 4;
            _stage = Stage.Opening;
        }

        while (_filled - consumed >= 2)
        {
            var frame = data[consumed..];
            var opcode = frame[0] & 0x0F;
            long length = frame[1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (frame.Length < 4) break;
                length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (frame.Length < 10) break;
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(frame[2..]);
                header = 10;
            }

            if ((frame[1] & 0x80) != 0 || (frame[0] & 0x80) == 0) return Fail(); // servers never mask; we never fragment-reassemble
            if (frame.Length < header + length)
            {
                if (header + length > _buffer.Length) Array.Resize(ref _buffer, (int)(header + length));
                break;
            }

            var payload = frame.Slice(header, (int)length);
            consumed += header + (int)length;
            switch (opcode)
            {
                case 1:
                    var o = OnText(payload);
                    if (o != Outcome.Pending) outcome = o;
                    break;
                case 8:
                    _stage = Stage.Done;
                    return outcome;
                case 9:
                    _socket.Send(MaskedFrame(0xA, payload));
                    break;
            }

            if (_stage == Stage.Done) return outcome;
        }

        _filled -= consumed;
        if (_filled > 0) _buffer.AsSpan(consumed, _filled).CopyTo(_buffer);
        return outcome;

        Outcome Fail()
        {
            Interlocked.Increment(ref _state.Errors);
            _stage = Stage.Done;
            return Outcome.Failed;
        }
    }

    private Outcome OnText(ReadOnlySpan<byte> p)
    {
        if (p.IsEmpty) return Outcome.Pending;
        switch (p[0])
        {
            case (byte)'2': // Engine.IO ping
                _socket.Send(Pong);
                Interlocked.Increment(ref _state.Pings);
                return Outcome.Pending;
            case (byte)'0' when _stage == Stage.Opening:
                _socket.Send(MaskedText(Encoding.ASCII.GetBytes($"40{{\"token\":\"{_token}\"}}")));
                _stage = Stage.Joining;
                return Outcome.Pending;
            case (byte)'1':
                _stage = Stage.Done;
                return Outcome.Pending;
            case (byte)'4' when p.Length > 1:
                return OnSocketPacket(p[1..]);
            default:
                return Outcome.Pending;
        }
    }

    private Outcome OnSocketPacket(ReadOnlySpan<byte> p)
    {
        switch (p[0])
        {
            case (byte)'2':
                if (_state.OrderUpdates is { } sink) OnOrderEvent(p, sink);
                _state.OnEvent(ReadNumber(p, "\"t\":"u8), ReadNumber(p, "\"s\":"u8));
                return Outcome.Pending;
            case (byte)'0' when _stage == Stage.Joining:
                _stage = Stage.Joined;
                _joined = true;
                Interlocked.Increment(ref _state.Joined);
                return Outcome.Joined;
            case (byte)'4' when _stage == Stage.Joining:
                _stage = Stage.Done;
                Interlocked.Increment(ref _state.Rejected);
                return Outcome.Rejected;
            case (byte)'1':
                _stage = Stage.Done;
                return Outcome.Pending;
            default:
                return Outcome.Pending;
        }
    }

    /// <summary>
    /// The orders scenario: <c>2["order:updated",{"order":{"id":"&lt;guid&gt;",...,"notes":"bench-N",...},...}]</c>. The order's
    /// id is its first property; nothing else is parsed.
    /// </summary>
    private static void OnOrderEvent(ReadOnlySpan<byte> p, OrderUpdateSink sink)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (!p.StartsWith("2[\"order:updated\","u8)) return;
        var at = p.IndexOf("\"id\":\""u8);
        if (at < 0 || p.Length < at + 6 + 36) return;
        var id = p.Slice(at + 6, 36);
        var seq = ReadNumber(p, "\"notes\":\"bench-"u8);
        if (seq >= 0) sink(id, seq, arrived);
    }

    private static long ReadNumber(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key)
    {
        var at = text.IndexOf(key);
        if (at < 0) return -1;
        return Utf8Parser.TryParse(text[(at + key.Length)..], out long value, out _) ? value : -1;
    }

    private static byte[] MaskedText(ReadOnlySpan<byte> payload) => MaskedFrame(0x1, payload);

    /// <summary>A client frame: FIN + opcode, the mask bit, a random key and the payload XORed with it (RFC 6455 5.3).</summary>
    private static byte[] MaskedFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        // Up to 64 KiB: a CONNECT with a JWT (the orders scenario) is longer than 125 bytes.
        if (payload.Length > ushort.MaxValue) throw new ArgumentException("frames up to 64 KiB only", nameof(payload));
        var header = payload.Length > 125 ? 4 : 2;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 4)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }

        Random.Shared.NextBytes(frame.AsSpan(header, 4));
        for (var i = 0; i < payload.Length; i++) frame[header + 4 + i] = (byte)(payload[i] ^ frame[header + (i & 3)]);
        return frame;
    }

    private enum Stage
    {
        Upgrading,
        Opening,
        Joining,
        Joined,
        Done,
    }
}
