using Serilog.Events;

namespace Orders.Api.Observability;

// Socket.IO long-polling, scrapes and probes would drown the API requests at Information.
internal static class RequestLogLevel
{
    public static LogEventLevel For(HttpContext context, double elapsedMilliseconds, Exception? exception)
    {
        if (exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            return LogEventLevel.Error;
        }

        var path = context.Request.Path;
        return path.StartsWithSegments("/socket.io") || path.StartsWithSegments("/metrics")
            || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz")
            ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }
}
