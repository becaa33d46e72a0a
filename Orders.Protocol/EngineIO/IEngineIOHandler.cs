namespace Orders.Protocol.EngineIO;

/// <summary>
/// What an application built on Engine.IO implements: the Socket.IO layer is one, the raw echo endpoint another.
/// Calls for one session never overlap; message payloads are only valid during the call.
/// </summary>
public interface IEngineIOHandler
{
    /// <summary>A session completed its handshake.</summary>
    void OnOpen(EngineSession session);

    /// <summary>A text message arrived (the Engine.IO type byte already stripped).</summary>
    void OnMessage(EngineSession session, ReadOnlySpan<byte> text);

    /// <summary>A binary message arrived.</summary>
    void OnBinary(EngineSession session, ReadOnlySpan<byte> data);

    /// <summary>The session switched from polling to WebSocket.</summary>
    void OnUpgraded(EngineSession session);

    /// <summary>The session ended; called exactly once per session.</summary>
    void OnClose(EngineSession session, EngineCloseReason reason);
}
