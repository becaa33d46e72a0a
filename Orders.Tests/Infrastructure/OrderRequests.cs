using System.Net.Http.Json;
using System.Text.Json;

namespace Orders.Tests.Infrastructure;

internal static class OrderRequests
{
    public static object NewOrderBody(string sku = "SKU-1", int quantity = 2, decimal unitPrice = 9.99m, string? notes = "leave at the door") => new
    {
        items = new[] { new { sku, name = "Coffee mug", quantity, unitPrice } },
        currency = "EUR",
        shippingAddress = "1 Main Street, Springfield",
        notes,
    };

    public static async Task<JsonElement> CreateOrderAsync(this HttpClient client, object? body = null)
    {
        using var response = await client.PostAsJsonAsync("/api/orders", body ?? NewOrderBody()).Within();
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().Within();
    }

    public static async Task<JsonElement> GetOrderAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative)).Within();
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().Within();
    }

    public static Task<HttpResponseMessage> ChangeStatusAsync(this HttpClient client, string id, string status) =>
        client.PatchAsJsonAsync($"/api/orders/{id}/status", new { status }).Within();

    public static Task<HttpResponseMessage> CancelAsync(this HttpClient client, string id) =>
        client.PostAsync(new Uri($"/api/orders/{id}/cancel", UriKind.Relative), null).Within();

    public static async Task<JsonElement> MoveAsync(this HttpClient admin, string id, string status)
    {
        using var response = await admin.ChangeStatusAsync(id, status);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().Within();
    }

    public static string Id(this JsonElement order) => order.GetProperty("id").GetString()!;
}
