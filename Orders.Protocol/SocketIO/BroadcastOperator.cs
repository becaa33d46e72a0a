using System.Buffers;
using System.Collections.Immutable;
using Orders.Protocol.EngineIO.Connections;

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

    /// <summary>Emits to every target socket; returns how many sockets it was handed to.</summary>
    public int Emit(string eventName, params ReadOnlySpan<object?> args)
    {
        var packet = SocketPacketEncoder.Event(_namespace.Name, eventName, args, -1, _namespace.Server.SerializerOptions);

        // One room and no exception, the usual emit to a user's room: most have one socket, which is written at once.
        if (_rooms.Length == 1 && _except.IsEmpty && _namespace.Rooms.TryGetSingle(_rooms[0], out var single))
        {
            var sent = single is not null && single.Connected && single.Send(packet, _batch?.Sends) ? 1 : 0;
            _namespace.Server.Metrics.BroadcastSent(_namespace.Name, sent);
            return sent;
        }

        var count = _namespace.Rooms.Snapshot(_rooms, _except, _namespace.SocketMap, out var recipients);
        var delivered = 0;

        // Several recipients: the send pump makes their writes (in batches of its own, a recipient's waiting frames
        // together) and this thread only queues them; without a pump they make a batch of their own. Either way
        // they leave in a few system calls, not one each. A lone recipient is written at once.
        var batches = _namespace.Server.SendBatches;
        var pumped = _batch is null && count > 1 && batches.Pump is not null;
        var own = _batch is null && count > 1 && !pumped ? batches.Rent() : null;
        var batch = _batch?.Sends ?? own;
        try
        {
            for (var i = 0; i < count; i++)
            {
                // One recipient failing (closed, queue full) never stops the others.
                if (recipients[i].Connected && recipients[i].Send(packet, batch, pumped)) delivered++;
            }
        }
        finally
        {
            own?.Dispose();
            if (recipients.Length > 0) ArrayPool<Socket>.Shared.Return(recipients, clearArray: true);
        }

        _namespace.Server.Metrics.BroadcastSent(_namespace.Name, delivered);
        return delivered;
    }

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
