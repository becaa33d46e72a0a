namespace Orders.Realtime.Rooms;

// Room names: one per user, and one that sees every order event.
internal static class OrderRooms
{
    public const string Admins = "admins";

    public const string UserPrefix = "user:";

    public static string ForUser(string userId) => UserPrefix + userId;
}
