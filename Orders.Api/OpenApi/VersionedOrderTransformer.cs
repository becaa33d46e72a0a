using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Orders.Api.OpenApi;

// Declares the ETag response header and the If-Match request header of the endpoints marked with VersionedOrder:
// ASP.NET Core's document generator sees neither (both are set or read through HttpContext).
internal sealed class VersionedOrderTransformer : IOpenApiOperationTransformer
{
    public const string ETagDescription = "The order's version, quoted (e.g. \"742\"); send it back as If-Match to make a change conditional.";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<VersionedOrder>().FirstOrDefault() is not { } versioned)
        {
            return Task.CompletedTask;
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (status is not ("200" or "201") || response is not OpenApiResponse success) continue;
            success.Headers ??= new Dictionary<string, IOpenApiHeader>();
            success.Headers["ETag"] = new OpenApiHeader { Description = ETagDescription, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }

        if (versioned.AcceptsIfMatch)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Required = false,
                Description = "The ETag the change is based on; a stale one is a 409, a malformed one a 400. `*` or none: unconditional.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        return Task.CompletedTask;
    }
}
