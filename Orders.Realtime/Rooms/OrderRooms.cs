namespace Orders.Realtime.Rooms;

/// <summary>Room names: one per user, and one that sees every order event.</summary>
internal static class OrderRooms
{
    public const string Admins = "admins";

    public const string UserPrefix = "user:";

    public static string ForUser(string userId) => UserPrefix + userId;
}
