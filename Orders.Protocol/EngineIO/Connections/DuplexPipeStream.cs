using System.Buffers;
using System.IO.Pipelines;

namespace Orders.Protocol.EngineIO.Connections;

/// <summary>
/// The connection's pipes as the stream <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>
/// frames over. Zero-byte reads wait for data without taking a buffer, so an idle socket holds none; a write
/// lands in the output pipe and completes at once unless the client has stopped reading.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_disposed) return 0;
        var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
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

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        if (_disposed) return ValueTask.FromException(new ObjectDisposedException(nameof(DuplexPipeStream)));
        _output.Write(source.Span);
        var flush = _output.FlushAsync(cancellationToken);
        if (!flush.IsCompletedSuccessfully) return AwaitFlushAsync(flush);
        return flush.Result.IsCompleted ? ValueTask.FromException(ConnectionClosed()) : default;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // The WebSocket disposes its stream when aborted: end a pending read. The connection itself belongs to
        // Kestrel, which flushes and closes it once the connection handler returns.
        if (disposing)
        {
            _disposed = true;
            _input.CancelPendingRead();
        }

        base.Dispose(disposing);
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        if (result.IsCanceled) throw new OperationCanceledException();
        if (result.IsCompleted) throw ConnectionClosed();
    }

    private static IOException ConnectionClosed() => new("The connection was closed by the peer.");
}
