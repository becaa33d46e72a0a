using System.Globalization;
using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO.Recovery;

// A socket's part in connection state recovery. Only sockets of a server with recovery enabled have one, so the others
// carry a single null reference for it. Its fields are guarded by the socket's connection (see Socket), which the
// methods below lock (gate): the socket's lock, not one of this object's own.
//
// A socket is given its state before its middleware runs, as middleware may join it to rooms: from then on a durable
// broadcast can reach it, and is held until the socket knows whether it recovers a session (whose missed events go
// first, and any of them broadcast meanwhile only once) or starts fresh (after its CONNECT answer).
internal sealed class SocketRecoveryState
{
    private SocketRecoveryState(long? startOffset) => StartOffset = startOffset;

    /// <summary>The state of a socket whose middleware has yet to run: durable broadcasts are held from here.</summary>
    public static SocketRecoveryState Connecting(long? startOffset) => new(startOffset) { Held = [] };

    /// <summary>Null until the socket connects.</summary>
    public string? Pid { get; private set; }

    public bool Recovered { get; private set; }

    // Where a client that presents no offset recovers from: the namespace's last durable offset when the socket was
    // created, before it joined any room; for a recovered socket, the point its session was recovered from, since its
    // client still presents no offset if it drops again before the replay reaches it (see RecoverableSession.StartOffset).
    public long? StartOffset { get; private set; }

    // The offset of the last durable event sent: a replay and a live broadcast may both carry one; it goes out once.
    public long LastOffset { get; private set; }

    // Until the socket has connected and replayed what it missed: the durable events broadcast to it meanwhile, sent after.
    public List<(long Offset, EncodedPacket Packet)>? Held { get; private set; }

    // A newer connection took this session over; this socket's end must not touch the stored session.
    public bool Superseded { get; set; }

    /// <summary>A fresh session: what was held goes out with <see cref="EndHold"/>, after the CONNECT answer.</summary>
    public void Start(object gate)
    {
        lock (gate) Pid = SessionIdGenerator.NewId();
    }

    /// <summary>
    /// Takes over the session <paramref name="pid"/>, whose client has everything up to <paramref name="afterOffset"/>:
    /// what was held, and is until <see cref="EndHold"/>, goes out after the missed events, each offset once.
    /// </summary>
    public void Restore(string pid, long afterOffset, object gate)
    {
        lock (gate)
        {
            Pid = pid;
            Recovered = true;
            StartOffset = afterOffset;
            LastOffset = afterOffset;
        }
    }

    /// <summary>
    /// Whether a durable event at <paramref name="offset"/> is not to be sent now: durable emits of a namespace are
    /// made one at a time in offset order, so an offset at or below the last one sent was replayed already and is
    /// skipped, and while the socket connects or replays it is held for <see cref="EndHold"/>. Otherwise it is noted
    /// as the last one sent.
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

    /// <summary>Sends the durable events held while connecting and replaying, in order, then lets later ones through directly.</summary>
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
