using System.Runtime.InteropServices;

namespace Orders.LoadGen.Client.Native;

/// <summary><c>struct epoll_event</c>: packed on x86-64 (12 bytes, <c>__EPOLL_PACKED</c>), unlike on other architectures.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}
