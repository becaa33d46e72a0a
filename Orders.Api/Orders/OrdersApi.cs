using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Orders.Api.Auth;
using Orders.Api.Data;
using Orders.Api.OpenApi;

namespace Orders.Api.Orders;

// The orders REST API. No event code here: the EF Core interceptor derives events from what these save.
internal static class OrdersApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        // Every call can meet a missing or bad token (401) and an unreachable database (503); the rest is per call
        // (429: the writes, limited per user by the host's rate limiter).
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/", CreateOrder).WithName(nameof(CreateOrder)).WithSummary("Create an order owned by the caller")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new VersionedOrder(AcceptsIfMatch: false));
        api.MapGet("/", ListOrders).WithName(nameof(ListOrders))
            .WithSummary("List the caller's orders; admins see all and may filter by userId");
        api.MapGet("/{id:guid}", GetOrder).WithName(nameof(GetOrder)).WithSummary("Get an order (owner or admin)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new VersionedOrder(AcceptsIfMatch: false));
        api.MapPatch("/{id:guid}", UpdateOrder).WithName(nameof(UpdateOrder))
            .WithSummary("Change items, shipping address or notes while pending")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new VersionedOrder(AcceptsIfMatch: true));
        api.MapPatch("/{id:guid}/status", ChangeStatus).WithName(nameof(ChangeStatus))
            .WithSummary("Move an order to another status (admins)").RequireAuthorization(AuthPolicies.Admin)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new VersionedOrder(AcceptsIfMatch: true));
        api.MapPost("/{id:guid}/cancel", CancelOrder).WithName(nameof(CancelOrder))
            .WithSummary("Cancel a pending or processing order (owner or admin)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new VersionedOrder(AcceptsIfMatch: true));
        return api;
    }

    public static async Task<Results<Created<OrderResponse>, ValidationProblem>> CreateOrder(
        CreateOrderRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var errors = OrderValidation.Validate(request, out var items);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var order = Order.Create(
            user.Id(), items, request.Currency ?? OrderValidation.DefaultCurrency, request.ShippingAddress!.Trim(), request.Notes, time.GetUtcNow());
        db.Orders.Add(order);
        await db.SaveChangesAsync(ct);

        SetETag(http, order);
        return TypedResults.Created($"/api/orders/{order.Id}", OrderResponse.From(order));
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem>> ListOrders(
        ClaimsPrincipal user, OrdersDbContext db, CancellationToken ct,
        int? page = null, int? pageSize = null, string? status = null, string? userId = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1)
        {
            errors["page"] = ["Must be 1 or more."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"Must be between 1 and {MaxPageSize}."];
        }

        OrderStatus parsedStatus = default;
        if (status is not null && !OrderStatusRules.TryParse(status, out parsedStatus))
        {
            errors["status"] = [$"Must be one of {string.Join(", ", OrderStatusRules.WireNames)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var query = db.Orders.AsNoTracking();
        // Only admins choose whose orders to see; everyone else sees their own.
        query = user.IsAdmin()
            ? userId is null ? query : query.Where(o => o.UserId == userId)
            : query.Where(o => o.UserId == user.Id());
        if (status is not null)
        {
            query = query.Where(o => o.Status == parsedStatus);
        }

        var size = pageSize ?? DefaultPageSize;
        var number = page ?? 1;
        var total = await query.CountAsync(ct);
        var orders = await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new OrderPage(number, size, total, orders.Select(OrderResponse.From).ToArray()));
    }

    public static async Task<Results<Ok<OrderResponse>, NotFound>> GetOrder(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, HttpContext http, CancellationToken ct)
    {
        var order = await FindVisibleAsync(db, id, user, forUpdate: false, ct);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        SetETag(http, order);
        return TypedResults.Ok(OrderResponse.From(order));
    }

    public static async Task<Results<Ok<OrderResponse>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateOrder(
        Guid id, UpdateOrderRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var errors = OrderValidation.Validate(request, out var items);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var order = await FindVisibleAsync(db, id, user, forUpdate: true, ct);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!ExpectVersion(db, order, http, out var ifMatchError))
        {
            return ifMatchError;
        }

        if (!order.IsEditable)
        {
            return Conflict($"Only a pending order can be changed; this one is {order.Status.ToWireName()}.");
        }

        order.UpdateDetails(items, request.ShippingAddress?.Trim(), request.Notes, time.GetUtcNow());
        await db.SaveChangesAsync(ct);

        SetETag(http, order);
        return TypedResults.Ok(OrderResponse.From(order));
    }

    public static async Task<Results<Ok<OrderResponse>, NotFound, ValidationProblem, ProblemHttpResult>> ChangeStatus(
        Guid id, ChangeOrderStatusRequest request, OrdersDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (!OrderStatusRules.TryParse(request.Status, out var next))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["status"] = [$"Must be one of {string.Join(", ", OrderStatusRules.WireNames)}."],
            });
        }

        var order = await OrderQueries.FindAsync(db, id, ownerId: null, forUpdate: true, ct);
        return order is null ? TypedResults.NotFound() : await MoveAsync(db, order, next, time, http, ct);
    }

    public static async Task<Results<Ok<OrderResponse>, NotFound, ValidationProblem, ProblemHttpResult>> CancelOrder(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var order = await FindVisibleAsync(db, id, user, forUpdate: true, ct);
        return order is null ? TypedResults.NotFound() : await MoveAsync(db, order, OrderStatus.Cancelled, time, http, ct);
    }

    private static async Task<Results<Ok<OrderResponse>, NotFound, ValidationProblem, ProblemHttpResult>> MoveAsync(
        OrdersDbContext db, Order order, OrderStatus next, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (!ExpectVersion(db, order, http, out var ifMatchError))
        {
            return ifMatchError;
        }

        var from = order.Status;
        if (!order.TryMoveTo(next, time.GetUtcNow()))
        {
            return Conflict($"An order cannot move from {from.ToWireName()} to {next.ToWireName()}.");
        }

        await db.SaveChangesAsync(ct);
        SetETag(http, order);
        return TypedResults.Ok(OrderResponse.From(order));
    }

    // Anyone but the owner or an admin gets 404, so order ids of others are not even confirmed to exist.
    private static Task<Order?> FindVisibleAsync(OrdersDbContext db, Guid id, ClaimsPrincipal user, bool forUpdate, CancellationToken ct) =>
        OrderQueries.FindAsync(db, id, user.IsAdmin() ? null : user.Id(), forUpdate, ct);

    // If-Match: "<version>" makes the save conditional on that version; a mismatch surfaces as a 409 from SaveChanges.
    private static bool ExpectVersion(OrdersDbContext db, Order order, HttpContext http, out ValidationProblem error)
    {
        error = null!;
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0 || ifMatch == "*")
        {
            return true;
        }

        var raw = ifMatch.StartsWith("W/", StringComparison.Ordinal) ? ifMatch[2..] : ifMatch;
        if (!uint.TryParse(raw.Trim('"'), out var expected))
        {
            error = TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["If-Match"] = ["Must be the ETag of the order, e.g. \"12345\"."],
            });
            return false;
        }

        db.Entry(order).Property(o => o.Version).OriginalValue = expected;
        return true;
    }

    private static void SetETag(HttpContext http, Order order) => http.Response.Headers.ETag = $"\"{order.Version}\"";

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Invalid order state");
}
