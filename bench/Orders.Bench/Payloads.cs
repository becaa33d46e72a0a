using System.Text;
using System.Text.Json;

namespace Orders.Bench;

/// <summary>The event the macro benchmarks send (about 200 bytes on the wire), as the server sees it.</summary>
internal static class Payloads
{
    public const string EventName = "order:updated";

    public static readonly JsonElement OrderEvent = JsonDocument.Parse(
        "{\"t\":1234567890123,\"s\":42,\"p\":\"" + new string('x', 130) + "\"}").RootElement.Clone();

    /// <summary>What a client sends for an event with an ack: <c>2</c> + ack id + JSON array (the Engine.IO <c>4</c> already stripped).</summary>
    public static readonly byte[] IncomingEvent = Encoding.UTF8.GetBytes(
        "213[\"order:update\",{\"orderId\":\"7b1c2f8e-3a55-4a4e-9f67-0c2d1e9a1f00\",\"status\":\"shipped\",\"items\":[{\"sku\":\"A-1\",\"qty\":2}]}]");

    public static readonly byte[] IncomingConnect = Encoding.UTF8.GetBytes("0{\"token\":\"u12345\"}");

    /// <summary>A typed payload, serialized by System.Text.Json like an application's order object.</summary>
    public static readonly OrderUpdated Order = new("7b1c2f8e-3a55-4a4e-9f67-0c2d1e9a1f00", "shipped", 4200, [new("A-1", 2), new("B-7", 1)]);
}

internal sealed record OrderUpdated(string OrderId, string Status, long TotalCents, LineItem[] Items);

internal sealed record LineItem(string Sku, int Qty);
