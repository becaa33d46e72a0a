namespace Orders.Api.Cors;

// FRONTEND_URL: the frontend origins, comma-separated. Applies to the REST API and /socket.io/ alike.
internal sealed class FrontendCorsOptions
{
    public const string PolicyName = "frontend";
    public const string DefaultOrigin = "http://localhost:3006";

    public string[] Origins { get; set; } = [DefaultOrigin];

    public static string[] Parse(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(origin => origin.TrimEnd('/'))
            .ToArray() is { Length: > 0 } origins
            ? origins
            : [DefaultOrigin];
}
