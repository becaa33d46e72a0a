namespace Orders.LoadGen.Client;

/// <summary>What became of a client's join: still pending, joined its room, refused with connect_error, or failed.</summary>
internal enum Outcome
{
    Pending,
    Joined,
    Rejected,
    Failed,
}
