using System.Globalization;

namespace Orders.LoadGen.Commit;

/// <summary>
/// An <c>order:updated</c> payload of the service's shape (<c>{ order, message, timestamp }</c>, the order as the API
/// answers it) for an order of four items: about 700 bytes, where the benchmark's one-item orders make about 470.
/// </summary>
internal static class OrderUpdatedPayload
{
    private const string Items = """
        [{"sku":"BENCH-1","name":"Bench item one","quantity":1,"unitPrice":9.99},{"sku":"BENCH-2","name":"Bench item two","quantity":2,"unitPrice":4.50},{"sku":"BENCH-3","name":"Bench item three","quantity":1,"unitPrice":12.00},{"sku":"BENCH-4","name":"Bench item four","quantity":3,"unitPrice":1.25}]
        """;

    public static string Text(Guid orderId, string ownerId, string notes, DateTimeOffset updatedAt, long version) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"order":{"id":"{{orderId}}","orderNumber":"ORD-10001","userId":"{{ownerId}}","status":"pending","items":{{Items}},"total":34.74,"currency":"USD","shippingAddress":"1 Bench Street, Springfield","notes":"{{notes}}","createdAt":"2026-12-06T23:51:49.223512Z","updatedAt":"{{updatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ}}","version":{{version}}},"message":"Order #ORD-10001 has been updated","timestamp":"{{updatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}}"}""");
}
