using Orders.Protocol.SocketIO;
using Orders.Realtime.Events;
using Orders.Realtime.Rooms;

namespace Orders.Realtime.Publishing;

// One emit to user:{owner} and admins together: encoded once, and an admin who owns the order gets it once.
internal sealed class OrderEventBroadcaster(SocketIOServer server)
{
    public int Broadcast(OrderEvent orderEvent) =>
        server.Default.To(OrderRooms.ForUser(orderEvent.OwnerId)).To(OrderRooms.Admins).Emit(orderEvent.Name, orderEvent.Payload);
}
