using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Orders.Protocol.EngineIO.Transports.Polling;

/// <summary>HTTP long-polling: payload assembly for GET and payload splitting for POST.</summary>
internal static class PollingTransport
{
    public const string ContentType = "text/plain; charset=UTF-8";

    /// <summary>Writes frames joined by the record separator; binary frames as <c>b</c> + base64.</summary>
    public static void WritePayload(IBufferWriter<byte> writer, IReadOnlyList<OutgoingFrame> frames)
    {
        for (var i = 0; i < frames.Count; i++)
        {
            if (i > 0) writer.Write([EnginePacketType.Separator]);
            var frame = frames[i];
            if (!frame.IsBinary)
            {
                writer.Write(frame.Payload.Span);
                continue;
            }

            var encodedLength = Base64.GetMaxEncodedToUtf8Length(frame.Payload.Length);
            var span = writer.GetSpan(encodedLength + 1);
            span[0] = EnginePacketType.Base64Prefix;
            Base64.EncodeToUtf8(frame.Payload.Span, span[1..], out _, out var written);
            writer.Advance(written + 1);
        }
    }

    /// <summary>Reads a POST body up to <paramref name="maxSize"/> bytes; null when it is larger.</summary>
    public static async Task<ReadOnlySequence<byte>?> ReadBodyAsync(PipeReader reader, long maxSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length > maxSize)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                return null;
            }

            if (result.IsCompleted) return result.Buffer;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// Splits a POST body into packets and hands each to <paramref name="sink"/>; false on a malformed packet (the
    /// packets before it have been handed over). Never throws on bad input.
    /// </summary>
    public static bool ForEachPacket<TSink>(ReadOnlySequence<byte> payload, ref TSink sink)
        where TSink : struct, IPollingPacketSink
    {
        if (payload.IsSingleSegment) return ForEachPacket(payload.FirstSpan, ref sink);
        var rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            payload.CopyTo(rented);
            return ForEachPacket(rented.AsSpan(0, (int)payload.Length), ref sink);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool ForEachPacket<TSink>(ReadOnlySpan<byte> payload, ref TSink sink)
        where TSink : struct, IPollingPacketSink
    {
        if (payload.IsEmpty) return false;
        while (true)
        {
            var end = payload.IndexOf(EnginePacketType.Separator);
            var packet = end < 0 ? payload : payload[..end];
            if (!DispatchOne(packet, ref sink)) return false;
            if (end < 0) return true;
            payload = payload[(end + 1)..];
        }
    }

    private static bool DispatchOne<TSink>(ReadOnlySpan<byte> packet, ref TSink sink)
        where TSink : struct, IPollingPacketSink
    {
        if (packet.IsEmpty) return false;
        if (packet[0] != EnginePacketType.Base64Prefix) return sink.OnText(packet);

        var base64 = packet[1..];
        var rented = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(base64.Length));
        try
        {
            if (Base64.DecodeFromUtf8(base64, rented, out _, out var written) != OperationStatus.Done) return false;
            sink.OnBinary(rented.AsSpan(0, written));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static Task WriteOkAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html";
        return context.Response.Body.WriteAsync("ok"u8.ToArray()).AsTask();
    }
}
