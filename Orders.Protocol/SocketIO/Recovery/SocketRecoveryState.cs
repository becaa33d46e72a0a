namespace Orders.Protocol.SocketIO.Recovery;

// A socket's part in connection state recovery. Only sockets of a server with recovery enabled have one, so the others
// carry a single null reference for it. Fields other than the ids are guarded by the socket's connection (see Socket).
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
}
