// Over 300 lines on purpose: one object per connection. Reads, direct writes, the batch deferral and the pipe
// fallback share one lock and one cache line; splitting them would add an object per idle socket, which the
// memory scenario measures, and a second cache line to every send of a fan-out.
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Orders.Protocol.EngineIO.Listening;
using Orders.Protocol.EngineIO.Sending;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// The connection as the stream <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>
/// frames over. Reads come from Kestrel's input pipe, or straight from the socket when <see cref="EngineIOListener"/>
/// serves it without a Kestrel connection; zero-byte reads wait for data without taking a buffer, so an idle socket
/// holds none.
/// <para>
/// Writes go straight to the socket with a non-blocking send while the kernel takes them whole: a broadcast then
/// costs one system call per recipient on the emitting thread, with no pipe block, no hop to Kestrel's I/O queue
/// and no send loop to wake for each of thousands of sockets. The first send the kernel does not take whole
/// (a client that stops reading) switches the connection to Kestrel's output pipe for good (without Kestrel: to
/// asynchronous sends, one after the other), which keeps the order of bytes and lets back-pressure work as usual.
/// </para>
/// <para>
/// Two writers share the connection: the WebSocket (its own frames: pongs, close) and the session, which writes
/// frames built once for all recipients (<see cref="TryWriteFrame"/>) while sends are direct. Each write is whole
/// and in order under one lock; through the pipe, each waits for the flush of the one before.
/// </para>
/// </summary>
internal sealed class ConnectionStream : AsyncOnlyStream
{
    // The write lock is the stream itself (internal, handed only to the WebSocket, which never locks it): a lock
    // object of its own was one more object per connection and one more cache line per send of a fan-out.
    private readonly PipeReader? _input;
    private readonly PipeWriter? _output;

    // Set when the stream owns the socket (no Kestrel connection): reads, slow sends and the close go to it.
    private readonly Socket? _owned;

    // The socket's handle for direct sends, taken once: reading Socket.SafeHandle marks it exposed each time.
    private readonly SafeHandle? _handle;
    private volatile bool _disposed;

    // Null once the connection writes through the pipe (or never had a socket to send on).
    private Socket? _direct;

    // The last write through the pipe while its flush is pending: the next one goes after it.
    private Task? _pipeTail;

    // The WebSocket wrote its close frame: no data frame may follow it.
    private bool _closeWritten;

    // A frame of the session waits in a SendBatch: the WebSocket's own writes wait for it (in order) meanwhile.
    private bool _deferred;
    private List<(ReadOnlyMemory<byte> Source, TaskCompletionSource Done)>? _held;

    /// <param name="transport">The connection's pipes.</param>
    /// <param name="socket">The connection's socket for direct sends, or null to write through the pipe only.</param>
    public ConnectionStream(IDuplexPipe transport, Socket? socket)
    {
        _input = transport.Input;
        _output = transport.Output;
        if (socket is not null) _handle = SendDirectly(socket);
    }

    /// <summary>A stream that owns <paramref name="socket"/>: it reads from it and closes it when disposed.</summary>
    public ConnectionStream(Socket socket)
    {
        _owned = socket;
        _handle = SendDirectly(socket);
    }

    private SafeHandle SendDirectly(Socket socket)
    {
        // Only this stream's synchronous sends observe the flag; asynchronous operations (Kestrel's, the owned
        // socket's reads) do not.
        socket.Blocking = false;
        _direct = socket;
        return socket.SafeHandle;
    }

    /// <summary>Whether writes still go straight to the socket: the client has taken everything so far.</summary>
    public bool IsDirect => Volatile.Read(ref _direct) is not null;

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_disposed) return ValueTask.FromResult(0);

        // The socket's own operation, not wrapped: an idle socket's pending zero-byte read then holds no state
        // machine of ours. A read ended by Dispose fails, and the WebSocket reports it as the end of the connection.
        return _owned is { } socket ? socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken) : ReadPipeAsync(destination, cancellationToken);
    }

    private async ValueTask<int> ReadPipeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var result = await _input!.ReadAsync(cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;

        // Disposed (the socket was aborted) or finished: the WebSocket sees the end of the stream, now and on
        // every later read.
        if (_disposed || result.IsCanceled || buffer.IsEmpty || destination.IsEmpty)
        {
            _input.AdvanceTo(buffer.Start);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, destination.Length);
        buffer.Slice(0, count).CopyTo(destination.Span);
        _input.AdvanceTo(buffer.GetPosition(count));
        return count;
    }

    /// <summary>Writes <paramref name="source"/> (one whole WebSocket frame, or the 101 response) directly or through the pipe.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        lock (this)
        {
            if (!source.IsEmpty && source.Span[0] == WebSocketFrameHeader.CloseFirstByte) _closeWritten = true;
            if (!_deferred) return WriteLocked(source);

            // The WebSocket may reuse its buffer once the write completes, so the task completes only once written.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_held ??= []).Add((source, done));
            return new ValueTask(done.Task);
        }
    }

    /// <summary>
    /// Writes a whole frame built by the session while sends go straight to the socket and the WebSocket has not
    /// closed; otherwise returns false and the session sends through the WebSocket, which keeps its rules.
    /// <paramref name="written"/> completes when the frame is written (at once unless the kernel did not take it all).
    /// </summary>
    public bool TryWriteFrame(ReadOnlyMemory<byte> frame, out ValueTask written)
    {
        lock (this)
        {
            if (_direct is null || _closeWritten || _deferred)
            {
                written = default;
                return false;
            }

            written = WriteLocked(frame);
            return true;
        }
    }

    /// <summary>
    /// Reserves the connection for one frame of the session that a <see cref="SendBatch"/> will send on
    /// <paramref name="socket"/>, if sends are direct; the descriptor stays valid until <see cref="CompleteDeferred"/>.
    /// </summary>
    public bool TryDefer(out int socket)
    {
        socket = -1;
        lock (this)
        {
            if (_direct is null || _closeWritten || _deferred || _disposed) return false;
            var added = false;
            try
            {
                _handle!.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            _deferred = true;
            socket = (int)_handle.DangerousGetHandle();
            return true;
        }
    }

    /// <summary>
    /// Ends a reservation: <paramref name="result"/> is what the batch's send returned (bytes, or a negative errno;
    /// <c>int.MinValue</c> if it never ran). The rest of a frame the kernel did not take goes through the pipe, as
    /// after any short direct send; then the WebSocket's writes that waited go out in order.
    /// </summary>
    public ValueTask CompleteDeferred(ReadOnlyMemory<byte> frame, int result)
    {
        ValueTask written;
        lock (this)
        {
            _deferred = false;
            written = result == int.MinValue
                ? WriteLocked(frame)
                : AfterDirectLocked(frame, Math.Max(result, 0), result >= 0 ? SocketError.Success : NonBlockingSend.ToSocketError(-result));
            if (_held is { } held)
            {
                _held = null;
                foreach (var (source, done) in held) Complete(WriteLocked(source), done);
            }
        }

        _handle!.DangerousRelease();
        return written;
    }

    private static void Complete(ValueTask write, TaskCompletionSource done)
    {
        if (write.IsCompletedSuccessfully)
        {
            done.TrySetResult();
            return;
        }

        _ = CompleteAsync(write, done);

        static async Task CompleteAsync(ValueTask write, TaskCompletionSource done)
        {
            try
            {
                await write.ConfigureAwait(false);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }
    }

    private ValueTask WriteLocked(ReadOnlyMemory<byte> source)
    {
        if (_disposed) return ValueTask.FromException(new ObjectDisposedException(nameof(ConnectionStream)));
        if (_direct is not { } socket) return WriteToPipeLocked(source);
        var sent = NonBlockingSend.SendAll(socket, _handle!, source.Span, out var error);
        return AfterDirectLocked(source, sent, error);
    }

    private ValueTask AfterDirectLocked(ReadOnlyMemory<byte> source, int sent, SocketError error)
    {
        if (sent == source.Length) return default;
        if (error is not (SocketError.WouldBlock or SocketError.Success)) return ValueTask.FromException(new IOException($"Send failed: {error}.", new SocketException((int)error)));
        if (_disposed) return ValueTask.FromException(new ObjectDisposedException(nameof(ConnectionStream)));
        _direct = null;
        return WriteToPipeLocked(source[sent..]);
    }

    private ValueTask WriteToPipeLocked(ReadOnlyMemory<byte> source)
    {
        if (_owned is { } socket) return WriteToSocketLocked(socket, source);
        if (_pipeTail is { IsCompleted: false } previous)
        {
            _pipeTail = WriteAfterAsync(previous, source);
            return new ValueTask(_pipeTail);
        }

        _output!.Write(source.Span);
        var flush = _output!.FlushAsync();
        if (flush.IsCompletedSuccessfully) return flush.Result.IsCompleted ? ValueTask.FromException(ConnectionClosed()) : default;
        _pipeTail = AwaitFlushAsync(flush);
        return new ValueTask(_pipeTail);
    }

    private async Task WriteAfterAsync(Task previous, ReadOnlyMemory<byte> source)
    {
        await previous.ConfigureAwait(false);
        ValueTask<FlushResult> flush;
        lock (this)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(ConnectionStream));
            _output!.Write(source.Span);
            flush = _output!.FlushAsync();
        }

        await AwaitFlushAsync(flush).ConfigureAwait(false);
    }

    /// <summary>Without Kestrel's pipe, the bytes the kernel did not take go out by asynchronous sends, each after the one before.</summary>
    private ValueTask WriteToSocketLocked(Socket socket, ReadOnlyMemory<byte> source)
    {
        var previous = _pipeTail is { IsCompleted: false } tail ? tail : null;
        _pipeTail = SendAfterAsync(socket, previous, source);
        return new ValueTask(_pipeTail);
    }

    private async Task SendAfterAsync(Socket socket, Task? previous, ReadOnlyMemory<byte> source)
    {
        if (previous is not null) await previous.ConfigureAwait(false);
        try
        {
            while (!source.IsEmpty)
            {
                var sent = await socket.SendAsync(source, SocketFlags.None).ConfigureAwait(false);
                if (sent <= 0) throw ConnectionClosed();
                source = source[sent..];
            }
        }
        catch (SocketException ex)
        {
            throw new IOException($"Send failed: {ex.SocketErrorCode}.", ex);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        // The WebSocket disposes its stream when aborted: end a pending read. The connection itself belongs to
        // Kestrel, which flushes and closes it once the connection handler returns.
        if (disposing)
        {
            _disposed = true;
            if (_owned is { } socket)
            {
                CloseOwned(socket);
            }
            else
            {
                _input!.CancelPendingRead();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Closes an owned socket once what is still being sent has gone (as Kestrel flushes before it closes).</summary>
    private void CloseOwned(Socket socket)
    {
        Task? tail;
        lock (this) tail = _pipeTail is { IsCompleted: false } pending ? pending : null;
        if (tail is null)
        {
            socket.Dispose();
            return;
        }

        _ = tail.ContinueWith(static (_, s) => ((Socket)s!).Dispose(), socket, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static async Task AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        if (result.IsCanceled) throw new OperationCanceledException();
        if (result.IsCompleted) throw ConnectionClosed();
    }

    private static IOException ConnectionClosed() => new("The connection was closed by the peer.");
}
