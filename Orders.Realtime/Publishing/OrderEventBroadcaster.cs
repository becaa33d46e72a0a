using Orders.Realtime.Events;

namespace Orders.Realtime.Publishing;

/// <summary>Sends one event to <c>user:{owner}</c> and <c>admins</c>; returns how many sockets it reached.</summary>
internal sealed class OrderEventBroadcaster
{
    // Wired to Orders.Protocol once the Socket.IO server lands on main.
#pragma warning disable CA1822
    public int Broadcast(OrderEvent orderEvent) => orderEvent is null ? 0 : 0;
#pragma warning restore CA1822
}
