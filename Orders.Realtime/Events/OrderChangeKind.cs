namespace Orders.Realtime.Events;

internal enum OrderChangeKind
{
    Created,
    Updated,
    StatusChanged,
}
