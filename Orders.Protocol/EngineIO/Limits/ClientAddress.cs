using System.Net;
using System.Net.Sockets;

namespace Orders.Protocol.EngineIO.Limits;

/// <summary>The address a client's handshakes are counted under.</summary>
internal static class ClientAddress
{
    /// <summary>
    /// IPv4 as is (also when it arrives IPv4-mapped on a dual-mode socket, as Kestrel's <c>localhost</c> endpoints
    /// give it), IPv6 by its /64 network: one host is usually given a whole /64, so per-address counting would let it
    /// open sessions from 2^64 addresses. Null when there is none to count (Unix sockets, in-memory servers).
    /// </summary>
    public static IPAddress? KeyOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
