namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// A duplex stream that is read and written only asynchronously and cannot seek: the synchronous and seeking
/// <see cref="Stream"/> members throw (as SignalR's shared <c>DuplexPipeStream</c> does), so that the connection
/// type under it holds only what it does.
/// </summary>
internal abstract class AsyncOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // Writes are whole when they complete: nothing is left to flush.
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
