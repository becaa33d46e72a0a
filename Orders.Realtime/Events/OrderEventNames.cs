namespace Orders.Realtime.Events;

internal static class OrderEventNames
{
    public const string Created = "order:created";
    public const string Updated = "order:updated";
    public const string StatusChanged = "order:status_changed";
    public const string Cancelled = "order:cancelled";
    public const string Completed = "order:completed";

    public static readonly IReadOnlyList<string> All = [Created, Updated, StatusChanged, Cancelled, Completed];
}
