using System.Text;
using System.Text.Json;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// A new session's open packet, <c>0{"sid":"…",…}</c>. Everything after the sid is the same for every session of an
/// endpoint, so it is built once here.
/// </summary>
internal sealed class OpenPackets
{
    private readonly byte[] _pollingTail;
    private readonly byte[] _webSocketTail;

    public OpenPackets(EngineIOOptions options)
    {
        var allowUpgrade = options.AllowUpgrades && options.Transports.Contains(TransportNames.WebSocket);
        _pollingTail = Tail(options, allowUpgrade ? [TransportNames.WebSocket] : []);
        _webSocketTail = Tail(options, []);
    }

    /// <summary>A polling session's: it offers the upgrade to WebSocket when the endpoint allows it.</summary>
    public OutgoingFrame ForPolling(EngineSession session) => Build(session, _pollingTail);

    /// <summary>A session that starts on WebSocket: it has no upgrades to offer.</summary>
    public OutgoingFrame ForWebSocket(EngineSession session) => Build(session, _webSocketTail);

    private static OutgoingFrame Build(EngineSession session, byte[] tail)
    {
        // 0{"sid":"…", + the options part, which is the same for every session of this endpoint.
        var head = "0{\"sid\":\""u8;
        var frame = OutgoingFrame.AllocateText(head.Length + session.Id.Length + tail.Length, out var packet);
        head.CopyTo(packet);
        var sid = Encoding.ASCII.GetBytes(session.Id, packet[head.Length..]);
        tail.CopyTo(packet[(head.Length + sid)..]);
        return frame;
    }

    private static byte[] Tail(EngineIOOptions options, string[] upgrades)
    {
        var json = JsonSerializer.Serialize(upgrades);
        return Encoding.UTF8.GetBytes(
            $"\",\"upgrades\":{json},\"pingInterval\":{(long)options.PingInterval.TotalMilliseconds},\"pingTimeout\":{(long)options.PingTimeout.TotalMilliseconds},\"maxPayload\":{options.MaxHttpBufferSize}}}");
    }
}
