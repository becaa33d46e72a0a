using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Orders.Api.Auth;

namespace Orders.Api.RateLimiting;

// Partitions the writes of the endpoints that require it by the caller's user id (the token's sub), each user with a
// token bucket; reads and anonymous requests (already answered 401 by authorization) pass unlimited. A refusal is a
// 429 ProblemDetails with Retry-After, like every other error of the API.
internal sealed partial class WritesPerUserPolicy : IRateLimiterPolicy<string>
{
    public const string Name = "writes-per-user";

    private readonly TokenBucketRateLimiterOptions? _bucket;
    private readonly ILogger<WritesPerUserPolicy> _logger;

    public WritesPerUserPolicy(IOptions<WriteRateLimitOptions> options, ILogger<WritesPerUserPolicy> logger)
    {
        _logger = logger;
        var writes = options.Value;
        if (!writes.Enabled) return;

        // Not auto-replenishing: the middleware's partitioned limiter tops up every user's bucket from one timer.
        _bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = writes.Burst,
            TokensPerPeriod = writes.Refill,
            ReplenishmentPeriod = writes.RefillPeriod,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
        OnRejected = RejectAsync;
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; }

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        if (_bucket is not { } bucket || !IsWrite(httpContext.Request.Method) || httpContext.User.Identity?.IsAuthenticated != true)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        return RateLimitPartition.GetTokenBucketLimiter(httpContext.User.Id(), _ => bucket);
    }

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    private async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)) : 1;
        LogRefused(_logger, http.User.Id(), http.Request.Method, http.Request.Path, seconds);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many changes",
                Detail = $"You made more changes than allowed in a short time; try again in {seconds} s.",
            },
        });
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "User {UserId} was refused {Method} {Path}: too many writes; retry after {Seconds} s")]
    private static partial void LogRefused(ILogger logger, string userId, string method, PathString path, long seconds);
}
