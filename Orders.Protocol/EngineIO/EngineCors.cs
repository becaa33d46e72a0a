using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Orders.Protocol.EngineIO;

/// <summary>CORS on the Engine.IO endpoint itself, for hosts that do not run the ASP.NET Core CORS middleware.</summary>
internal static class EngineCors
{
    /// <summary>Grants CORS to configured origins; other origins get no grant, as with the reference server.</summary>
    public static void Apply(HttpContext context, IList<string> origins)
    {
        if (origins.Count == 0) return;
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0) return;
        var headers = context.Response.Headers;
        if (origins.Contains("*"))
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else if (origins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            headers.AccessControlAllowOrigin = origin;
            headers.AccessControlAllowCredentials = "true";
            headers.Vary = "Origin";
        }
        else
        {
            return;
        }

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowMethods = "GET, POST";
            var requested = context.Request.Headers.AccessControlRequestHeaders;
            if (!StringValues.IsNullOrEmpty(requested)) headers.AccessControlAllowHeaders = requested;
            headers.AccessControlMaxAge = "86400";
        }
    }
}
