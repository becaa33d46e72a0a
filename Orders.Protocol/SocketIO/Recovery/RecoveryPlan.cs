namespace Orders.Protocol.SocketIO.Recovery;

// A session found fit to recover, with the events it missed up to the moment they were read.
internal sealed record RecoveryPlan(RecoverableSession Session, long AfterOffset, IReadOnlyList<MissedEvent> Missed);
