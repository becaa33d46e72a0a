using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orders.Protocol.Buffers;
using Orders.Protocol.EngineIO.Limits;

namespace Orders.Protocol.EngineIO.Transports.Polling;

/// <summary>HTTP long-polling requests: the handshake that opens a session, then GET drains its queue and POST carries packets in.</summary>
internal sealed class PollingRequests
{
    private readonly EngineIOServer _server;
    private readonly EngineIOOptions _options;
    private readonly OpenPackets _openPackets;
    private readonly ILogger _logger;

    public PollingRequests(EngineIOServer server, OpenPackets openPackets, ILogger logger)
    {
        _server = server;
        _options = server.Options;
        _openPackets = openPackets;
        _logger = logger;
    }

    /// <summary>A new session: the open packet is the handshake's answer.</summary>
    public async Task OpenAsync(HttpContext context, Admission admission)
    {
        var session = _server.CreateSession(new EngineHandshakeRequest(context.Request, _server.UtcNow), TransportKind.Polling, admission.Permit);
        context.Response.ContentType = PollingTransport.ContentType;
        await context.Response.Body.WriteAsync(_openPackets.ForPolling(session).Payload).ConfigureAwait(false);
        _server.OnOpened(session);
    }

    public async Task PollAsync(HttpContext context, EngineSession session)
    {
        switch (session.BeginPoll(out var wait))
        {
            case PollStart.UnknownSession:
                await EngineError.WriteAsync(context, EngineError.UnknownSid).ConfigureAwait(false);
                return;
            case PollStart.BadRequest:
            case PollStart.Overlap:
                await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
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

    public async Task PostAsync(HttpContext context, EngineSession session)
    {
        if (!session.TryBeginPost())
        {
            await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            session.Terminate(EngineCloseReason.TransportError);
            return;
        }

        try
        {
            if (context.Request.ContentLength > _options.MaxHttpBufferSize)
            {
                await RejectTooLargeAsync(context, session).ConfigureAwait(false);
                return;
            }

            var reader = context.Request.BodyReader;
            ReadOnlySequence<byte>? body;
            try
            {
                body = await PollingTransport.ReadBodyAsync(reader, _options.MaxHttpBufferSize, context.RequestAborted).ConfigureAwait(false);
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
                EngineIOServer.Log.ParseError(_logger, session.Id, session.Transport);
                await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
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
        var sink = new SessionSink(_server, session);
        return PollingTransport.ForEachPacket(payload, ref sink);
    }

    private async Task RejectTooLargeAsync(HttpContext context, EngineSession session)
    {
        EngineIOServer.Log.PayloadTooLarge(_logger, session.Id, _options.MaxHttpBufferSize);
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
