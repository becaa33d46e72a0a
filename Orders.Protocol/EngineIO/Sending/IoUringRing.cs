// Compiled into two assemblies: Orders.Protocol (the server's batched sends) and bench/Orders.LoadGen (shared source,
// <Compile Include ... Link>), whose clients submit their reads through Submit and whose floor scenario sends with
// SendAll. The generator is meant to measure with the very ring the server sends with, and shared source gives it
// that without InternalsVisibleTo or a public API. So this file references nothing else of either project.
using System.Runtime.InteropServices;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// An io_uring instance for one kind of batch: non-blocking <c>send</c>s (or, in the load generator, <c>recv</c>s) on many sockets for one system call.
/// In the VMs this service runs on, entering the kernel costs more than a small loopback send itself (about 1 µs of
/// the 5 µs a 200-byte <c>send(2)</c> takes here; the same sends through one ring cost 3 µs each), and a broadcast
/// makes one send per recipient. Used by one thread at a time (its <c>SendBatch</c>).
/// </summary>
internal sealed unsafe partial class IoUringRing : IDisposable
{
    public const int Capacity = 256;

    private const int SysIoUringSetup = 425;
    private const int SysIoUringEnter = 426;
    private const uint SetupSubmitAll = 1u << 7;
    private const uint SetupCoopTaskrun = 1u << 8;
    private const uint FeatSingleMmap = 1u;
    private const uint EnterGetEvents = 1u;
    private const byte OpSend = 26;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;
    private const int MapPopulate = 0x8000;
    private const long OffSqRing = 0;
    private const long OffSqes = 0x10000000;
    // Linux values, kept here rather than shared with NonBlockingSend because the load generator compiles this file alone.
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EBusy = 16;

    private readonly int _fd;
    private readonly byte* _rings;
    private readonly nuint _ringsLength;
    private readonly Sqe* _sqes;
    private readonly nuint _sqesLength;
    private readonly uint* _sqTail;
    private readonly uint* _sqArray;
    private readonly uint _sqMask;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Cqe* _cqes;
    private bool _disposed;

    private IoUringRing(int fd, byte* rings, nuint ringsLength, Sqe* sqes, nuint sqesLength, in Params p)
    {
        _fd = fd;
        _rings = rings;
        _ringsLength = ringsLength;
        _sqes = sqes;
        _sqesLength = sqesLength;
        _sqTail = (uint*)(rings + p.SqTail);
        _sqArray = (uint*)(rings + p.SqArray);
        _sqMask = *(uint*)(rings + p.SqRingMask);
        _cqHead = (uint*)(rings + p.CqHead);
        _cqTail = (uint*)(rings + p.CqTail);
        _cqMask = *(uint*)(rings + p.CqRingMask);
        _cqes = (Cqe*)(rings + p.CqCqes);
    }

    /// <summary>A ring, or null where io_uring is missing or refused (not Linux, too old a kernel, a sandbox, the sysctl).</summary>
    public static IoUringRing? TryCreate()
    {
        if (!OperatingSystem.IsLinux() || !(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)) return null;
        try
        {
            var p = default(Params);
            p.Flags = SetupSubmitAll | SetupCoopTaskrun;
            var fd = (int)Syscall(SysIoUringSetup, Capacity, (nint)(&p), 0, 0, 0, 0);
            if (fd < 0) return null;

            // One mapping holds both rings where the kernel allows it (5.4+); older kernels are not worth a second path.
            if ((p.Features & FeatSingleMmap) == 0)
            {
                Close(fd);
                return null;
            }

            var ringsLength = Math.Max(p.SqArray + p.SqEntries * sizeof(uint), p.CqCqes + p.CqEntries * (uint)sizeof(Cqe));
            var rings = Mmap(null, ringsLength, ProtRead | ProtWrite, MapShared | MapPopulate, fd, OffSqRing);
            if (rings == -1)
            {
                Close(fd);
                return null;
            }

            var sqesLength = (nuint)(p.SqEntries * (uint)sizeof(Sqe));
            var sqes = Mmap(null, sqesLength, ProtRead | ProtWrite, MapShared | MapPopulate, fd, OffSqes);
            if (sqes == -1)
            {
                Munmap((void*)rings, ringsLength);
                Close(fd);
                return null;
            }

            return new IoUringRing(fd, (byte*)rings, ringsLength, (Sqe*)sqes, sqesLength, p);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sends each buffer to its socket (same index in <paramref name="sockets"/>), none waiting for room, and writes each result
    /// (bytes sent, or a negative errno) to <paramref name="results"/>. The buffers must stay pinned until it returns.
    /// Returns false if the ring failed; results of sends not known to have completed are then <c>int.MinValue</c>.
    /// </summary>
    public bool SendAll(ReadOnlySpan<int> sockets, ReadOnlySpan<nint> buffers, ReadOnlySpan<int> lengths, Span<int> results) =>
        Submit(OpSend, MsgDontWait | MsgNoSignal, sockets, buffers, lengths, results);

    /// <summary>
    /// Submits one <paramref name="opcode"/> (an <c>IORING_OP_*</c> that takes a socket, a buffer, a length and message
    /// flags) per socket and waits until all completed; results and failure as for <see cref="SendAll"/>. The server
    /// only sends; the load generator submits its <c>IORING_OP_RECV</c>s through this.
    /// </summary>
    internal bool Submit(byte opcode, int flags, ReadOnlySpan<int> sockets, ReadOnlySpan<nint> buffers, ReadOnlySpan<int> lengths, Span<int> results)
    {
        var count = sockets.Length;
        results[..count].Fill(int.MinValue);
        var tail = *_sqTail;
        for (var i = 0; i < count; i++)
        {
            var index = (tail + (uint)i) & _sqMask;
            var sqe = _sqes + index;
            *sqe = default;
            sqe->Opcode = opcode;
            sqe->Fd = sockets[i];
            sqe->Addr = (ulong)buffers[i];
            sqe->Len = (uint)lengths[i];
            sqe->MsgFlags = flags;
            sqe->UserData = (ulong)i;
            _sqArray[index] = index;
        }

        Volatile.Write(ref *_sqTail, tail + (uint)count);

        // Sockets are non-blocking and each operation says MSG_DONTWAIT, so the kernel completes each while it
        // submits it: usually one call does all. Waiting is only asked for once everything was submitted, so the
        // wait never counts on a send that was not.
        var toSubmit = count;
        var completed = 0;
        while (completed < count)
        {
            var rc = Syscall(SysIoUringEnter, _fd, toSubmit, toSubmit == 0 ? count - completed : 0, toSubmit == 0 ? (nint)EnterGetEvents : 0, 0, 0);
            if (rc < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (EIntr or EAgain or EBusy)) return false;
            }
            else
            {
                toSubmit -= (int)rc;
            }

            completed += Reap(results);
        }

        return true;
    }

    private int Reap(Span<int> results)
    {
        var head = *_cqHead;
        var tail = Volatile.Read(ref *_cqTail);
        var reaped = 0;
        for (; head != tail; head++, reaped++)
        {
            var cqe = _cqes + (head & _cqMask);
            results[(int)cqe->UserData] = cqe->Res;
        }

        Volatile.Write(ref *_cqHead, head);
        return reaped;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Munmap(_sqes, _sqesLength);
        Munmap(_rings, _ringsLength);
        Close(_fd);
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    // struct io_uring_params with its io_sqring_offsets and io_cqring_offsets flattened (120 bytes).
    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries;
        public uint CqEntries;
        public uint Flags;
        public uint SqThreadCpu;
        public uint SqThreadIdle;
        public uint Features;
        public uint WqFd;
        public uint Resv0;
        public uint Resv1;
        public uint Resv2;
        public uint SqHead;
        public uint SqTail;
        public uint SqRingMask;
        public uint SqRingEntries;
        public uint SqFlags;
        public uint SqDropped;
        public uint SqArray;
        public uint SqResv1;
        public ulong SqUserAddr;
        public uint CqHead;
        public uint CqTail;
        public uint CqRingMask;
        public uint CqRingEntries;
        public uint CqOverflow;
        public uint CqCqes;
        public uint CqFlags;
        public uint CqResv1;
        public ulong CqUserAddr;
    }

    // struct io_uring_sqe as a send uses it (64 bytes).
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(16)] public ulong Addr;
        [FieldOffset(24)] public uint Len;
        [FieldOffset(28)] public int MsgFlags;
        [FieldOffset(32)] public ulong UserData;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Cqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }
}
