using Orders.Protocol.EngineIO;

namespace Orders.Conformance;

/// <summary>The raw Engine.IO behaviour conformance suites expect: every message straight back.</summary>
internal sealed class EchoEngineHandler : IEngineIOHandler
{
    public void OnOpen(EngineSession session)
    {
    }

    public void OnMessage(EngineSession session, ReadOnlySpan<byte> text) => session.SendText(text);

    public void OnBinary(EngineSession session, ReadOnlySpan<byte> data) => session.SendBinary(data.ToArray());

    public void OnUpgraded(EngineSession session)
    {
    }

    public void OnClose(EngineSession session, EngineCloseReason reason)
    {
    }
}
