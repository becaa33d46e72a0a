using System.Text.Encodings.Web;
using System.Text.Json;
using Orders.Protocol.Buffers;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// One thread's JSON writer and payload buffer for encoding packets, reused from emit to emit: a writer and a
/// rented buffer made per packet were a fifth of what an event's encoding allocated. Taken out of its slot while in
/// use, so an encode that starts another (a converter that emits) makes its own.
/// </summary>
internal sealed class EncoderScratch
{
    // A payload that grew past this (a large emit) is not kept: each thread would hold on to its largest packet.
    private const int KeptCapacity = 16 * 1024;

    [ThreadStatic]
    private static EncoderScratch? t_cached;

    private readonly JavaScriptEncoder? _encoder;

    private EncoderScratch(JavaScriptEncoder? encoder)
    {
        _encoder = encoder;
        Payload = new PooledByteBufferWriter(512);
        Writer = new Utf8JsonWriter(Payload, new JsonWriterOptions { Encoder = encoder, SkipValidation = true });
    }

    public PooledByteBufferWriter Payload { get; }

    public Utf8JsonWriter Writer { get; }

    /// <summary>This thread's scratch, emptied, if it was made for <paramref name="encoder"/>; a new one otherwise.</summary>
    public static EncoderScratch Rent(JavaScriptEncoder? encoder)
    {
        var scratch = t_cached;
        if (scratch is null || scratch._encoder != encoder) return new EncoderScratch(encoder);
        t_cached = null;
        scratch.Payload.Clear();
        scratch.Writer.Reset(scratch.Payload);
        return scratch;
    }

    /// <summary>Keeps this scratch for the thread's next encode, unless its buffer grew large.</summary>
    public void Return()
    {
        if (Payload.Capacity > KeptCapacity)
        {
            Payload.Dispose();
            return;
        }

        t_cached = this;
    }
}
