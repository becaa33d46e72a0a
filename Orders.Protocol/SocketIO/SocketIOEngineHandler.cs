using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>Plugs the Socket.IO layer into Engine.IO: one <see cref="ClientConnection"/> per session.</summary>
internal sealed class SocketIOEngineHandler(SocketIOServer server) : IEngineIOHandler
{
    public void OnOpen(EngineSession session) => session.Context = new ClientConnection(server, session);

    public void OnMessage(EngineSession session, ReadOnlySpan<byte> text) => Client(session).OnMessage(text);

    public void OnBinary(EngineSession session, ReadOnlySpan<byte> data) => Client(session).OnBinary(data);

    public void OnUpgraded(EngineSession session) => Client(session).OnUpgraded();

    public void OnClose(EngineSession session, EngineCloseReason reason) => Client(session).OnClose(reason);

    private static ClientConnection Client(EngineSession session) => (ClientConnection)session.Context!;
}
