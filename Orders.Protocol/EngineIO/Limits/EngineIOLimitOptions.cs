namespace Orders.Protocol.EngineIO;

/// <summary>
/// Per-client-address limits on new Engine.IO sessions, checked on every handshake whichever way it arrives (HTTP
/// polling, WebSocket through ASP.NET Core, WebSocket answered at the connection or at the listener). A refused
/// handshake gets HTTP 429 with Engine.IO's error body <c>{"code":4,"message":...}</c> (code 4 is the one the reference
/// server answers when its <c>allowRequest</c> refuses). Requests that carry a <c>sid</c> (polls, posts, upgrades) are
/// never limited here. Socket.IO itself has no such limits; these defaults are meant to pass a real frontend behind
/// one NAT and to stop a single address from opening sessions without bound.
/// </summary>
/// <remarks>
/// The client address is the connection's remote address, as Kestrel saw it: behind a reverse proxy every client has
/// the proxy's address, so raise or turn off these limits there and limit at the proxy. IPv4-mapped IPv6 addresses
/// count as their IPv4 address, and IPv6 addresses count per /64 network (what one host is usually given). A
/// connection without an IP address (a Unix socket, an in-memory test server) is not limited.
/// </remarks>
public sealed class EngineIOLimitOptions
{
    /// <summary>
    /// How many handshakes one address may make at once (the size of its token bucket). 0 turns the handshake rate
    /// limit off. Default 300.
    /// </summary>
    public int HandshakeBurstPerAddress { get; set; } = 300;

    /// <summary>How many handshakes an address gets back every <see cref="HandshakeRefillPeriod"/> (up to the burst). Default 50.</summary>
    public int HandshakeRefill { get; set; } = 50;

    /// <summary>How often <see cref="HandshakeRefill"/> handshakes are given back; at least 100 ms. Default 1 s (so 50 a second).</summary>
    public TimeSpan HandshakeRefillPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Open sessions one address may hold at a time; its next handshake is refused until one of them closes. 0 turns
    /// the cap off. Default 5,000.
    /// </summary>
    public int MaxSessionsPerAddress { get; set; } = 5_000;

    /// <summary>No handshake limit at all: for load tests and servers whose clients all share one address.</summary>
    public void Disable()
    {
        HandshakeBurstPerAddress = 0;
        MaxSessionsPerAddress = 0;
    }

    internal bool LimitsRate => HandshakeBurstPerAddress > 0;

    internal bool LimitsSessions => MaxSessionsPerAddress > 0;

    internal IEnumerable<string> Validate()
    {
        if (HandshakeBurstPerAddress < 0) yield return "Limits.HandshakeBurstPerAddress must be 0 (off) or positive.";
        if (LimitsRate && HandshakeRefill < 1) yield return "Limits.HandshakeRefill must be at least 1 while the handshake rate is limited.";
        if (LimitsRate && HandshakeRefillPeriod < TimeSpan.FromMilliseconds(100)) yield return "Limits.HandshakeRefillPeriod must be at least 100 ms.";
        if (MaxSessionsPerAddress < 0) yield return "Limits.MaxSessionsPerAddress must be 0 (off) or positive.";
    }
}
