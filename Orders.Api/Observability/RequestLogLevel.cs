using Orders.Api.Hosting;
using Serilog.Events;

namespace Orders.Api.Observability;

// Socket.IO long-polling, scrapes and probes would drown the API requests at Information.
internal static class RequestLogLevel
{
    public static LogEventLevel For(HttpContext context, double elapsedMilliseconds, Exception? exception)
    {
        // 503: the database is unreachable (or the node is stopping), which the client is told to retry: expected in an
        // outage, and already said once by the services that noticed it. Error stays for what needs a fix.
        if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && exception is null)
        {
            return LogEventLevel.Warning;
        }

        if (exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            return LogEventLevel.Error;
        }

        var path = context.Request.Path;
        return path.StartsWithSegments(OrdersApplication.SocketIOPath) || path.StartsWithSegments("/metrics")
            || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz")
            ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }
}
