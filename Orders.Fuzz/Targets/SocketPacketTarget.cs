using System.Text.Json;
using Orders.Protocol.SocketIO;

namespace Orders.Fuzz.Targets;

/// <summary>A Socket.IO packet as an Engine.IO message carries it, then its arguments as the application reads them.</summary>
internal static class SocketPacketTarget
{
    public static void Run(byte[] input)
    {
        if (!SocketPacketParser.TryParse(input, out var packet)) return;

        InvariantException.Check(packet.Namespace.StartsWith('/'), "a namespace starts with /");
        InvariantException.Check(packet.Attachments is >= 0 and <= SocketPacketParser.MaxAttachments, "attachments within the limit");
        InvariantException.Check(packet.AckId >= -1, "an ack id is -1 or positive");
        InvariantException.Check(packet.Type != SocketPacketType.ConnectError, "CONNECT_ERROR is never accepted");
        if (packet.Data is not { ValueKind: JsonValueKind.Array } data) return;

        // As many attachments as announced, each a byte of its index: what ClientConnection hands SocketArgs.
        var attachments = Enumerable.Range(0, packet.Attachments).Select(i => new[] { (byte)i }).ToList();
        var args = new SocketArgs(data, 0, attachments);
        args.PlaceholdersAreValid();
        InvariantException.Check(args.ToEmitArgs().Length == args.Count, "every argument resolves");
    }
}
