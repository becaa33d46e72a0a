using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Orders.Protocol.Buffers;
using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Protocol.EngineIO;

/// <summary>HTTP long-polling requests: GET drains the queue, POST carries packets in.</summary>
internal sealed partial class EngineIOServer
{
    private async Task PollAsync(HttpContext context, EngineSession session)
    {
        switch (session.BeginPoll(out var wait))
        {
            case PollStart.UnknownSession:
                await RefuseAsync(context, EngineError.UnknownSid).ConfigureAwait(false);
                return;
            case PollStart.BadRequest:
            case PollStart.Overlap:
                await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
                return;
        }

        if (wait is not null)
        {
            try
            {
                await wait.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                session.AbortPoll();
                return;
            }
        }

        var frames = session.EndPoll(out var finished);
        using var writer = new PooledByteBufferWriter(256);
        PollingTransport.WritePayload(writer, frames);
        context.Response.ContentType = PollingTransport.ContentType;
        context.Response.ContentLength = writer.WrittenCount;
        try
        {
            await context.Response.Body.WriteAsync(writer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            session.Terminate(EngineCloseReason.TransportError);
            return;
        }

        if (finished) session.Terminate(EngineCloseReason.ForcedClose);
    }

    private async Task PostAsync(HttpContext context, EngineSession session)
    {
        if (!session.TryBeginPost())
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            session.Terminate(EngineCloseReason.TransportError);
            return;
        }

        try
        {
            if (context.Request.ContentLength > Options.MaxHttpBufferSize)
            {
                await RejectTooLargeAsync(context, session).ConfigureAwait(false);
                return;
            }

            var reader = context.Request.BodyReader;
            ReadOnlySequence<byte>? body;
            try
            {
                body = await PollingTransport.ReadBodyAsync(reader, Options.MaxHttpBufferSize, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or BadHttpRequestException)
            {
                session.Terminate(EngineCloseReason.TransportError);
                return;
            }

            if (body is not { } payload)
            {
                await RejectTooLargeAsync(context, session).ConfigureAwait(false);
                return;
            }

            var ok = Dispatch(payload, session);
            reader.AdvanceTo(payload.End);
            if (!ok)
            {
                Log.ParseError(_logger, session.Id, session.Transport);
                await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
                session.Terminate(EngineCloseReason.ParseError);
                return;
            }

            await PollingTransport.WriteOkAsync(context).ConfigureAwait(false);
        }
        finally
        {
            session.EndPost();
        }
    }

    private bool Dispatch(ReadOnlySequence<byte> payload, EngineSession session)
    {
        var sink = new SessionSink(this, session);
        return PollingTransport.ForEachPacket(payload, ref sink);
    }

    private async Task RejectTooLargeAsync(HttpContext context, EngineSession session)
    {
        Log.PayloadTooLarge(_logger, session.Id, Options.MaxHttpBufferSize);
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.Headers.Connection = "close";
        session.Terminate(EngineCloseReason.PayloadTooLarge);
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>A POST body's packets, to the session it was posted to.</summary>
    private readonly struct SessionSink(EngineIOServer server, EngineSession session) : IPollingPacketSink
    {
        public bool OnText(ReadOnlySpan<byte> packet) => server.OnTextPacket(session, packet, viaWebSocket: false);

        public void OnBinary(ReadOnlySpan<byte> data) => server.OnBinaryPacket(session, data);
    }
}
