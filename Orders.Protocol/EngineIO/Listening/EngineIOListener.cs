using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Orders.Protocol.EngineIO.Handshakes;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO.Listening;

/// <summary>
/// Kestrel's listener on an IP endpoint, with the accept loop ours. A connection whose first bytes are a WebSocket
/// handshake an engine takes is served on its bare socket: no Kestrel
/// connection, pipes, receive loop or thread-pool dispatch is made for it. A storm profile put those at about a
/// third of a connect (5.7 receive calls and 1.9 futex calls per connect, most of them Kestrel's). Every other
/// connection becomes a Kestrel socket connection, exactly as Kestrel's own transport makes it; the first bytes are
/// only peeked at, never consumed, so Kestrel (and <see cref="EngineIOConnectionMiddleware"/>) read them as usual.
/// </summary>
internal sealed partial class EngineIOListener : IConnectionListener
{
    private readonly Socket _listen;
    private readonly SocketConnectionContextFactory _connections;
    private readonly EngineIOConnectionRegistry _registry;
    private readonly bool _noDelay;
    private readonly ILogger _logger;
    private readonly Channel<ConnectionContext> _toKestrel = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly Task _accepting;

    private EngineIOListener(Socket listen, SocketTransportOptions options, EngineIOConnectionRegistry registry, ILoggerFactory loggers)
    {
        _listen = listen;
        _registry = registry;
        _noDelay = options.NoDelay;
        _logger = loggers.CreateLogger<EngineIOListener>();
        _connections = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = options.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = options.MaxReadBufferSize,
                MaxWriteBufferSize = options.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        EndPoint = listen.LocalEndPoint!;
        Log.Listening(_logger, EndPoint);
        _accepting = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    /// <summary>Binds and listens on <paramref name="endpoint"/> the way Kestrel's socket transport does, with its options.</summary>
    public static EngineIOListener Bind(EndPoint endpoint, SocketTransportOptions options, EngineIOConnectionRegistry registry, ILoggerFactory loggers)
    {
        // AddressInUseException, as Kestrel's transport throws it, is what makes Kestrel report "address already in
        // use" (and, for localhost, what it tells apart from a missing IPv6).
        Socket? listen = null;
        try
        {
            listen = options.CreateBoundListenSocket(endpoint);
            listen.Listen(options.Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            listen?.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }

        return new EngineIOListener(listen, options, registry, loggers);
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _toKestrel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listen.Dispose();
        await _accepting.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        while (_toKestrel.Reader.TryRead(out var connection)) await connection.DisposeAsync().ConfigureAwait(false);
        _connections.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                // The token overload answers with a ValueTask on the listening socket's cached arguments: no Task per connection.
                socket = await _listen.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                break;
            }
            catch (SocketException ex)
            {
                // A client that reset before it was accepted; the next one is unaffected (Kestrel does the same).
                Log.AcceptFailed(_logger, ex.SocketErrorCode);
                continue;
            }

            _ = ServeAsync(socket);
        }

        _toKestrel.Writer.TryComplete();
    }

    /// <summary>Runs inline to its end when the handshake has arrived with the connection, as in a storm.</summary>
    private async Task ServeAsync(Socket socket)
    {
        try
        {
            socket.NoDelay = _noDelay;

            // Synchronous peeks below never wait: the socket is non-blocking.
            socket.Blocking = false;
            byte[]? buffer = RentHeadBuffer();
            try
            {
                var peeked = Peek(socket, buffer);
                if (peeked < 0)
                {
                    // No buffer is held while waiting. In a storm thousands of connections wait here at once; the pool
                    // has a few head buffers, so each waiter would hold a fresh 16 KB array that outlives a collection
                    // or two and is then dropped by the full pool (2-3 KB of garbage promoted per connect of a storm).
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                    if (!await FirstBytesAsync(socket).ConfigureAwait(false))
                    {
                        HandToKestrel(socket);
                        return;
                    }

                    buffer = RentHeadBuffer();
                    peeked = Peek(socket, buffer);
                }

                if (peeked <= 0 || !TryServe(socket, buffer, peeked)) HandToKestrel(socket);
            }
            finally
            {
                if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Gone before it was read or handed over.
            socket.Dispose();
        }
        catch (Exception ex)
        {
            // Nothing above should throw otherwise; if it does, this one client is dropped and the loop goes on.
            Log.ServeFailed(_logger, ex);
            socket.Dispose();
        }
    }

    // One byte more than the longest head, so that a longer one is seen as too long rather than as incomplete.
    private static byte[] RentHeadBuffer() => ArrayPool<byte>.Shared.Rent(WebSocketHandshakeParser.MaxHeadLength + 1);

    /// <summary>The bytes waiting on <paramref name="socket"/>, left there; -1 when none has arrived yet.</summary>
    private static int Peek(Socket socket, byte[] buffer)
    {
        var count = socket.Receive(buffer, 0, buffer.Length, SocketFlags.Peek, out var error);
        if (error == SocketError.WouldBlock) return -1;
        if (error != SocketError.Success) throw new SocketException((int)error);
        return count;
    }

    /// <summary>Waits (without a buffer) for the first bytes; false when none came within <see cref="ClaimedWebSocket.FirstBytesWait"/>.</summary>
    private static async Task<bool> FirstBytesAsync(Socket socket)
    {
        using var wait = new CancellationTokenSource(ClaimedWebSocket.FirstBytesWait);
        try
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private bool TryServe(Socket socket, byte[] buffer, int peeked)
    {
        var head = new ReadOnlySequence<byte>(buffer, 0, peeked);
        var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        if (!ClaimedWebSocket.TryClaim(_registry, head, remote, out var claimed)) return false;

        // Take the head off the socket: the WebSocket reads from the first byte after it.
        var length = (int)head.Slice(0, claimed.HeadEnd).Length;
        var taken = 0;
        while (taken < length)
        {
            var read = socket.Receive(buffer, taken, length - taken, SocketFlags.None, out var error);
            if (error != SocketError.Success || read <= 0)
            {
                // No session will hold the permit: the address gets it back.
                claimed.Claim.Permit?.Dispose();
                throw new SocketException((int)(error == SocketError.Success ? SocketError.ConnectionReset : error));
            }

            taken += read;
        }

        _ = claimed.Engine.ServeClaimedWebSocketAsync(new ConnectionStream(socket), remote, claimed.Handshake, claimed.Claim);
        return true;
    }

    private void HandToKestrel(Socket socket)
    {
        if (!_toKestrel.Writer.TryWrite(_connections.Create(socket))) socket.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Accepting a connection failed: {SocketError}")]
        public static partial void AcceptFailed(ILogger logger, SocketError socketError);

        [LoggerMessage(EventId = 41, Level = LogLevel.Error, Message = "A new connection could not be served; it was closed")]
        public static partial void ServeFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Listening on {EndPoint}: Engine.IO WebSocket sessions are served on their sockets, other connections by Kestrel")]
        public static partial void Listening(ILogger logger, EndPoint endPoint);
    }
}
