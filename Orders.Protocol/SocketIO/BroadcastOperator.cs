using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// Targets of a namespace broadcast (<c>io.to(room).except(room).emit(...)</c>). Immutable: each call returns a
/// new operator. The packet is encoded once and the same frames go to every recipient.
/// </summary>
public sealed class BroadcastOperator
{
    private readonly SocketIONamespace _namespace;
    private readonly ImmutableArray<string> _rooms;
    private readonly ImmutableArray<string> _except;
    private readonly EmitBatch? _batch;

    internal BroadcastOperator(SocketIONamespace ns, ImmutableArray<string> rooms, ImmutableArray<string> except, EmitBatch? batch = null)
    {
        _namespace = ns;
        _rooms = rooms;
        _except = except;
        _batch = batch;
    }

    /// <summary>Adds <paramref name="room"/> to the targets.</summary>
    public BroadcastOperator To(string room) => new(_namespace, _rooms.Add(room), _except, _batch);

    /// <summary>Excludes the members of <paramref name="room"/>.</summary>
    public BroadcastOperator Except(string room) => new(_namespace, _rooms, _except.Add(room), _batch);

    /// <summary>Makes the emits of this operator part of <paramref name="batch"/>: written when it is flushed.</summary>
    public BroadcastOperator Batched(EmitBatch batch) => new(_namespace, _rooms, _except, batch);

    /// <summary>
    /// Emits an event the application keeps in a durable log of its own at <paramref name="offset"/> (see
    /// <see cref="IConnectionStateStore"/>); returns how many sockets it was handed to. With connection state recovery
    /// enabled, the offset goes out as the event's last argument, a socket gets each offset once, and a recovering
    /// socket gets it in order after what it missed. Emit such events in increasing offset order. Without recovery
    /// this is a plain emit. (A method rather than an option of the operator: an operator is made per emit, and a
    /// field for the offset made every one larger.)
    /// </summary>
    public int EmitWithOffset(long offset, string eventName, params ReadOnlySpan<object?> args)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(offset);
        return _namespace.Server.Recovery is { } recovery
            ? EmitDurable(recovery.Store, offset, eventName, args)
            : DeliverAndForward(SocketPacketEncoder.Event(_namespace.Name, eventName, args, -1, _namespace.Server.SerializerOptions));
    }

    /// <summary>
    /// Emits to every target socket; returns how many sockets it was handed to. With connection state recovery
    /// enabled, the store may record the event (see <see cref="IConnectionStateStore.Append"/>), which then carries
    /// its offset.
    /// </summary>
    public int Emit(string eventName, params ReadOnlySpan<object?> args)
    {
        if (_namespace.Server.Recovery is { } recovery) return EmitDurable(recovery.Store, null, eventName, args);
        return DeliverAndForward(SocketPacketEncoder.Event(_namespace.Name, eventName, args, -1, _namespace.Server.SerializerOptions));
    }

    /// <summary>Delivers a broadcast another node made (see <see cref="Adapters.ISocketIOAdapter"/>) to this node's sockets.</summary>
    internal int DeliverFromPeer(EncodedPacket packet) => Deliver(packet, null);

    // An ad-hoc broadcast goes to the other nodes too; one with an offset is each node's own business (its log).
    private int DeliverAndForward(EncodedPacket packet)
    {
        var delivered = Deliver(packet, null);
        var adapter = _namespace.Server.Adapter;
        if (adapter.ForwardsBroadcasts && _batch is null)
        {
            if (packet.HasAttachments) _namespace.Server.LogNotForwarded(_namespace.Name);
            else adapter.Publish(new Adapters.PeerBroadcast(_namespace.Name, _rooms, _except, Encoding.UTF8.GetString(packet.Text[1..])));
        }

        return delivered;
    }

    // One durable emit at a time per namespace, so every socket sees offsets in increasing order.
    private int EmitDurable(IConnectionStateStore store, long? given, string eventName, ReadOnlySpan<object?> args)
    {
        lock (_namespace.DurableGate)
        {
            var offset = given ?? store.Append(_namespace.Name, eventName, args, _rooms, _except);
            if (offset is not { } durable)
            {
                return DeliverAndForward(SocketPacketEncoder.Event(_namespace.Name, eventName, args, -1, _namespace.Server.SerializerOptions));
            }

            object?[] withOffset = [.. args, durable.ToString(CultureInfo.InvariantCulture)];
            var delivered = Deliver(SocketPacketEncoder.Event(_namespace.Name, eventName, withOffset, -1, _namespace.Server.SerializerOptions), durable);
            _namespace.MarkDurable(durable);
            return delivered;
        }
    }

    private int Deliver(EncodedPacket packet, long? offset)
    {
        var writes = _namespace.Server.Writes;

        // One room and no exception, the usual emit to a user's room: most have one socket, which is written at once.
        if (_rooms.Length == 1 && _except.IsEmpty && _namespace.Rooms.TryGetSingle(_rooms[0], out var single))
        {
            using var one = writes.BeginFanOut(many: false, _batch?.Held ?? default);
            var sent = single is not null && single.Connected && Send(single, packet, offset, one) ? 1 : 0;
            _namespace.Server.Metrics.BroadcastSent(_namespace.Name, sent);
            return sent;
        }

        var count = _namespace.Rooms.Snapshot(_rooms, _except, _namespace.SocketMap, out var recipients);
        var delivered = 0;

        // Several recipients leave in a few system calls, not one each (Engine.IO picks the pump or a batch).
        var fanOut = writes.BeginFanOut(many: count > 1, _batch?.Held ?? default);
        try
        {
            for (var i = 0; i < count; i++)
            {
                // One recipient failing (closed, queue full) never stops the others.
                if (recipients[i].Connected && Send(recipients[i], packet, offset, fanOut)) delivered++;
            }
        }
        finally
        {
            fanOut.Dispose();
            if (recipients.Length > 0) ArrayPool<Socket>.Shared.Return(recipients, clearArray: true);
        }

        _namespace.Server.Metrics.BroadcastSent(_namespace.Name, delivered);
        return delivered;
    }

    private static bool Send(Socket socket, EncodedPacket packet, long? offset, in FanOut fanOut) =>
        offset is { } durable ? socket.SendDurable(packet, durable, fanOut) : socket.Send(packet, fanOut);

    /// <summary>Disconnects every target socket.</summary>
    public void DisconnectSockets(bool close = false)
    {
        var count = _namespace.Rooms.Snapshot(_rooms, _except, _namespace.SocketMap, out var recipients);
        try
        {
            for (var i = 0; i < count; i++) recipients[i].Disconnect(close);
        }
        finally
        {
            if (recipients.Length > 0) ArrayPool<Socket>.Shared.Return(recipients, clearArray: true);
        }
    }
}
