using System.Net;
using System.Runtime.InteropServices;

namespace Orders.LoadGen.Client.Native;

/// <summary><c>struct sockaddr_in</c>: family in host order, port and address in network order, 8 bytes of padding.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockAddrIn
{
    public ushort Family;
    public ushort Port;
    public uint Address;
    public ulong Zero;

    public static SockAddrIn From(IPAddress address, int port)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
            throw new ArgumentException("IPv4 only", nameof(address));

        // The address bytes are already in network order: read them as they lie in memory.
        return new SockAddrIn
        {
            Family = Libc.AfInet,
            Port = (ushort)IPAddress.HostToNetworkOrder((short)port),
            Address = MemoryMarshal.Read<uint>(bytes),
        };
    }
}
