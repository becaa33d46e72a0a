using System.Globalization;

namespace Orders.Protocol.SocketIO.Recovery;

// A socket's part in connection state recovery. Only sockets of a server with recovery enabled have one, so the others
// carry a single null reference for it. Fields other than the ids are guarded by the socket's connection (see Socket),
// which the methods below lock (gate): the socket's lock, not one of this object's own.
internal sealed class SocketRecoveryState(string pid, bool recovered)
{
    public string Pid { get; } = pid;

    public bool Recovered { get; } = recovered;

    // The namespace's last durable offset when the socket connected (see RecoverableSession.StartOffset).
    public long? StartOffset { get; set; }

    // The offset of the last durable event sent: a replay and a live broadcast may both carry one; it goes out once.
    public long LastOffset { get; set; }

    // While a recovered socket replays what it missed: the durable events broadcast to it meanwhile, sent after.
    public List<(long Offset, EncodedPacket Packet)>? Held { get; set; }

    // A newer connection took this session over; this socket's end must not touch the stored session.
    public bool Superseded { get; set; }

    /// <summary>
    /// Whether a durable event at <paramref name="offset"/> is not to be sent now: durable emits of a namespace are
    /// made one at a time in offset order, so an offset at or below the last one sent was replayed already and is
    /// skipped, and during a replay it is held for <see cref="EndHold"/>. Otherwise it is noted as the last one sent.
    /// </summary>
    public bool HoldsOrSkips(long offset, EncodedPacket packet, object gate)
    {
        lock (gate)
        {
            if (offset <= LastOffset) return true;
            if (Held is { } held)
            {
                held.Add((offset, packet));
                return true;
            }

            LastOffset = offset;
            return false;
        }
    }

    /// <summary>Sends an event <paramref name="socket"/> missed while it was away, unless it went out already.</summary>
    public void SendMissed(Socket socket, MissedEvent missed)
    {
        lock (socket.Client)
        {
            if (missed.Offset <= LastOffset) return;
            LastOffset = missed.Offset;
        }

        object?[] args = [.. missed.Args, missed.Offset.ToString(CultureInfo.InvariantCulture)];
        socket.Send(SocketPacketEncoder.Event(socket.Namespace.Name, missed.EventName, args, -1, socket.Namespace.Server.SerializerOptions));
    }

    /// <summary>Sends the durable events held during the replay, in order, then lets later ones through directly.</summary>
    public void EndHold(Socket socket)
    {
        while (true)
        {
            List<(long Offset, EncodedPacket Packet)> held;
            lock (socket.Client)
            {
                if (Held is not { } waiting) return;
                if (waiting.Count == 0)
                {
                    Held = null;
                    return;
                }

                held = waiting;
                Held = [];
            }

            // Broadcasts arriving meanwhile join the new list and go out on the next pass, after these.
            foreach (var (offset, packet) in held)
            {
                lock (socket.Client)
                {
                    if (offset <= LastOffset) continue;
                    LastOffset = offset;
                }

                socket.Send(packet);
            }
        }
    }
}
