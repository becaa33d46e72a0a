namespace Orders.LoadGen.Runner;

/// <summary><c>GET /stats</c>: the contract's sockets and RSS, plus the live heap both of our servers also report.</summary>
internal readonly record struct ServerStats(int Sockets, long Rss, long Heap, ServerGcStats? Gc);
