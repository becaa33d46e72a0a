using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orders.Protocol.EngineIO.Sending;

namespace Orders.LoadGen.Floor;

/// <summary>
/// <c>Orders.LoadGen floor-sender PORT CLIENTS</c>, pinned to the server's core: the kernel's share of a broadcast with
/// no server in it. It accepts plain TCP connections and, for each <c>send SEQ TICKS</c> line on stdin, sends every one
/// of them one <see cref="FloorMessage"/> through io_uring, in batches of the size Orders.Protocol's send pump uses,
/// then answers <c>sent FAILED</c>. No framing, session, queue, lock or HTTP: what is left is what any server on this
/// machine pays per recipient, the floor under the broadcast's time to its last recipient.
/// </summary>
internal static class FloorSender
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var port) || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var clients))
        {
            await Console.Error.WriteLineAsync("usage: Orders.LoadGen floor-sender PORT CLIENTS").ConfigureAwait(false);
            return 2;
        }

        using var ring = IoUringRing.TryCreate();
        if (ring is null)
        {
            await Console.Error.WriteLineAsync("io_uring is not available: no floor to measure").ConfigureAwait(false);
            return 1;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.WriteLine("listening");

        var sockets = new Socket[clients];
        for (var i = 0; i < clients; i++)
        {
            sockets[i] = await listener.AcceptAsync().ConfigureAwait(false);

            // As Kestrel sets its connections; the sends never wait for room.
            sockets[i].NoDelay = true;
            sockets[i].Blocking = false;
        }

        var fds = sockets.Select(s => (int)s.Handle).ToArray();
        var message = GC.AllocateArray<byte>(FloorMessage.Length, pinned: true);
        message.AsSpan().Fill((byte)'x');
        var address = System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(message, 0);
        var buffers = Enumerable.Repeat(address, IoUringRing.Capacity).ToArray();
        var lengths = Enumerable.Repeat(FloorMessage.Length, IoUringRing.Capacity).ToArray();
        var results = new int[IoUringRing.Capacity];
        Console.WriteLine("connected");

        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is not ["send", var seq, var ticks]) break;
            FloorMessage.Write(message, long.Parse(seq, CultureInfo.InvariantCulture), long.Parse(ticks, CultureInfo.InvariantCulture));
            var failed = 0;
            for (var start = 0; start < fds.Length; start += IoUringRing.Capacity)
            {
                var count = Math.Min(IoUringRing.Capacity, fds.Length - start);
                if (!ring.SendAll(fds.AsSpan(start, count), buffers.AsSpan(0, count), lengths.AsSpan(0, count), results)) return 1;
                for (var i = 0; i < count; i++)
                {
                    if (results[i] != FloorMessage.Length) failed++;
                }
            }

            Console.WriteLine($"sent {failed}");
        }

        foreach (var socket in sockets) socket.Dispose();
        return 0;
    }
}
