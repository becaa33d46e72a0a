using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// One non-blocking <c>send(2)</c>. On Linux it is called directly with <c>MSG_DONTWAIT | MSG_NOSIGNAL</c>: a broadcast
/// makes one such call per recipient, and <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags, out SocketError)"/>
/// spent about as long in its own checks and error mapping around the call as the call's user-mode part. The handle
/// is a <see cref="SafeHandle"/>, so a connection closed meanwhile fails the call rather than sending to a reused
/// descriptor.
/// </summary>
internal static partial class NonBlockingSend
{
    // Linux values (IoUringRing keeps its own copies: the load generator compiles that file alone).
    internal const int MsgDontWait = 0x40;
    internal const int MsgNoSignal = 0x4000;
    internal const int EIntr = 4;
    internal const int EAgain = 11;
    private const int EPipe = 32;
    private const int EConnReset = 104;

    /// <summary>Sends what the kernel takes of <paramref name="data"/> now; returns the bytes sent.</summary>
    public static int Send(Socket socket, SafeHandle handle, ReadOnlySpan<byte> data, out SocketError error)
    {
        if (!OperatingSystem.IsLinux()) return socket.Send(data, SocketFlags.None, out error);
        while (true)
        {
            var sent = SendNative(handle, data, data.Length, MsgDontWait | MsgNoSignal);
            if (sent >= 0)
            {
                error = SocketError.Success;
                return (int)sent;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            error = ToSocketError(errno);
            return 0;
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> until the kernel takes no more of it now; returns the bytes sent (all of them
    /// unless <paramref name="error"/> says why not).
    /// </summary>
    public static int SendAll(Socket socket, SafeHandle handle, ReadOnlySpan<byte> data, out SocketError error)
    {
        var total = 0;
        error = SocketError.Success;
        while (total < data.Length)
        {
            var sent = Send(socket, handle, data[total..], out error);
            if (error != SocketError.Success || sent <= 0) break;
            total += sent;
        }

        return total;
    }

    /// <summary>What a failed <c>send</c>'s errno means to the connection.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EAgain => SocketError.WouldBlock,
        EPipe or EConnReset => SocketError.ConnectionReset,
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendNative(SafeHandle socket, ReadOnlySpan<byte> buffer, nint length, int flags);
}
