namespace Orders.LoadGen.Client;

/// <summary>How the clients of one connect command settled.</summary>
internal readonly record struct ConnectTally(int Joined, int Rejected, int Failed);
