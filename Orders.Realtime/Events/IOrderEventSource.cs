namespace Orders.Realtime.Events;

/// <summary>
/// Implemented by the order entity so that <c>Orders.Realtime</c> can derive live events from tracked changes
/// without knowing the entity type.
/// </summary>
public interface IOrderEventSource
{
    /// <summary>The order id.</summary>
    Guid Id { get; }

    /// <summary>The owner's user id (the JWT <c>sub</c>); events go to the room <c>user:{OwnerId}</c>.</summary>
    string OwnerId { get; }

    /// <summary>The human order number, e.g. <c>ORD-12345</c>, used in event messages.</summary>
    string OrderNumber { get; }

    /// <summary>The status as sent on the wire, e.g. <c>processing</c>.</summary>
    string StatusName { get; }

    /// <summary>
    /// The order as the REST API returns it; serialised as the <c>order</c> field of every event payload.
    /// Called after the statements of a save ran, so database-generated values are present.
    /// </summary>
    object ToEventPayload();
}
