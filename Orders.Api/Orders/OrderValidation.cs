using System.Text.RegularExpressions;

namespace Orders.Api.Orders;

// Field rules for request bodies; errors are keyed by JSON path, as ValidationProblem reports them.
internal static partial class OrderValidation
{
    public const int MaxItems = 100;
    public const int MaxQuantity = 10_000;
    public const decimal MaxUnitPrice = 1_000_000m;
    public const int MaxAddressLength = 500;
    public const int MaxNotesLength = 2_000;
    public const string DefaultCurrency = "USD";

    public static Dictionary<string, string[]> Validate(CreateOrderRequest request, out IReadOnlyList<OrderItem> items)
    {
        var errors = new Dictionary<string, string[]>();
        items = ValidateItems(request.Items, required: true, errors);
        if (request.Currency is not null && !CurrencyCode().IsMatch(request.Currency))
        {
            errors["currency"] = ["Must be a three-letter ISO 4217 code in capitals, e.g. USD."];
        }

        ValidateAddress(request.ShippingAddress, required: true, errors);
        ValidateNotes(request.Notes, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateOrderRequest request, out IReadOnlyList<OrderItem>? items)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Items is null && request.ShippingAddress is null && request.Notes is null)
        {
            errors[""] = ["Give at least one of items, shippingAddress or notes."];
        }

        items = request.Items is null ? null : ValidateItems(request.Items, required: true, errors);
        ValidateAddress(request.ShippingAddress, required: false, errors);
        ValidateNotes(request.Notes, errors);
        return errors;
    }

    private static IReadOnlyList<OrderItem> ValidateItems(
        IReadOnlyList<OrderItemRequest?>? requested, bool required, Dictionary<string, string[]> errors)
    {
        if (requested is null || requested.Count == 0)
        {
            if (required)
            {
                errors["items"] = ["An order needs at least one item."];
            }

            return [];
        }

        if (requested.Count > MaxItems)
        {
            errors["items"] = [$"At most {MaxItems} items."];
            return [];
        }

        var items = new List<OrderItem>(requested.Count);
        for (var i = 0; i < requested.Count; i++)
        {
            var item = requested[i];
            var at = $"items[{i}]";
            if (item is null)
            {
                errors[at] = ["Required."];
                continue;
            }

            var before = errors.Count;
            Check(errors, $"{at}.sku", !string.IsNullOrWhiteSpace(item.Sku), "Required.");
            Check(errors, $"{at}.sku", item.Sku is null || item.Sku.Length <= 64, "At most 64 characters.");
            Check(errors, $"{at}.name", !string.IsNullOrWhiteSpace(item.Name), "Required.");
            Check(errors, $"{at}.name", item.Name is null || item.Name.Length <= 200, "At most 200 characters.");
            Check(errors, $"{at}.quantity", item.Quantity is >= 1 and <= MaxQuantity, $"Must be between 1 and {MaxQuantity}.");
            Check(errors, $"{at}.unitPrice", item.UnitPrice is >= 0 and <= MaxUnitPrice, $"Must be between 0 and {MaxUnitPrice}.");
            Check(errors, $"{at}.unitPrice", item.UnitPrice is not { } p || decimal.Round(p, 2) == p, "At most two decimals.");
            if (errors.Count == before)
            {
                items.Add(new OrderItem(item.Sku!.Trim(), item.Name!.Trim(), item.Quantity!.Value, Order.ToMoney(item.UnitPrice!.Value)));
            }
        }

        return items;
    }

    private static void ValidateAddress(string? address, bool required, Dictionary<string, string[]> errors)
    {
        if (address is null ? required : string.IsNullOrWhiteSpace(address))
        {
            errors["shippingAddress"] = ["Required."];
        }
        else if (address?.Length > MaxAddressLength)
        {
            errors["shippingAddress"] = [$"At most {MaxAddressLength} characters."];
        }
    }

    private static void ValidateNotes(string? notes, Dictionary<string, string[]> errors)
    {
        if (notes?.Length > MaxNotesLength)
        {
            errors["notes"] = [$"At most {MaxNotesLength} characters."];
        }
    }

    private static void Check(Dictionary<string, string[]> errors, string field, bool ok, string message)
    {
        if (!ok && !errors.ContainsKey(field))
        {
            errors[field] = [message];
        }
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();
}
