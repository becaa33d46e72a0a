using Microsoft.Extensions.Options;

namespace Orders.Api.Cors;

// FRONTEND_URL: the frontend origins, comma-separated. Applies to the REST API and /socket.io/ alike.
internal static class FrontendOrigins
{
    public const string PolicyName = "frontend";
    public const string DefaultOrigin = "http://localhost:3006";

    public static string[] Parse(string? value)
    {
        var origins = value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(origin => origin.TrimEnd('/'))
            .ToArray();
        if (origins is not { Length: > 0 })
        {
            return [DefaultOrigin];
        }

        var invalid = origins.Where(o => !Uri.TryCreate(o, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")).ToArray();
        return invalid.Length == 0
            ? origins
            : throw new OptionsValidationException("FRONTEND_URL", typeof(string[]),
                [$"FRONTEND_URL must list absolute http(s) origins separated by commas; not: {string.Join(", ", invalid)}"]);
    }
}
