using System.Buffers;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>A received message in a rented buffer; <see cref="Dispose"/> returns it.</summary>
internal readonly struct WebSocketMessage(bool isBinary, byte[]? buffer, int length, WebSocketReceiveOutcome outcome) : IDisposable
{
    public static WebSocketMessage Closed => new(false, null, 0, WebSocketReceiveOutcome.Closed);

    public static WebSocketMessage TooLarge => new(false, null, 0, WebSocketReceiveOutcome.TooLarge);

    public bool IsBinary { get; } = isBinary;

    public WebSocketReceiveOutcome Outcome { get; } = outcome;

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public void Dispose()
    {
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
