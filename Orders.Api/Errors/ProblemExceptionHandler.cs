using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Orders.Api.Data;

namespace Orders.Api.Errors;

// Exceptions that mean something to the client become ProblemDetails with the right status; the rest are 500s.
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Describe(exception);
        if (problem is null)
        {
            return false;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogDatabaseUnavailable(logger, exception.GetBaseException().Message);
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails? Describe(Exception exception) => exception switch
    {
        DbUpdateConcurrencyException => new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Concurrency conflict",
            Detail = "The order was changed by someone else since you read it; read it again and retry.",
        },
        BadHttpRequestException { InnerException: JsonException { Path: { } path } } => new HttpValidationProblemDetails(
            new Dictionary<string, string[]> { [path.TrimStart('$', '.')] = ["Missing, malformed or of the wrong type."] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON for this endpoint.",
        },
        BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
        _ when DatabaseUnavailable.Is(exception) => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Database unavailable",
            Detail = "The orders database cannot be reached right now; try again shortly.",
        },
        _ => null,
    };

    // Debug: each such request has its own request log line (a warning with its 503), and the background services log
    // the outage once, with its reason, when it starts; a line per request here would flood the log during an outage.
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Database unavailable: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);
}
