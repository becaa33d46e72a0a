using Microsoft.AspNetCore.Mvc;

namespace Orders.Api.Hosting;

// The requests this node is serving, so a shutdown can wait for them; once it drains, new ones are refused with a
// 503 that closes the connection (a load balancer or client retries elsewhere). Engine.IO requests are left to the
// Socket.IO server, which serves its open sessions until it closes them; /healthz keeps answering while the process lives.
internal sealed class InFlightRequests(IProblemDetailsService problems) : IMiddleware
{
    private readonly Lock _gate = new();
    private int _count;
    private bool _draining;
    private TaskCompletionSource? _idle;

    public int Count => Volatile.Read(ref _count);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(OrdersApplication.SocketIOPath) || path.StartsWithSegments("/healthz"))
        {
            await next(context);
            return;
        }

        bool admitted;
        lock (_gate)
        {
            admitted = !_draining;
            if (admitted) _count++;
        }

        if (!admitted)
        {
            await RefuseAsync(context);
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Refuses new requests from now on; resolves once those already in flight have finished.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _draining = true;
            if (_count == 0) return Task.CompletedTask;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    private void Leave()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (--_count == 0 && _draining) idle = _idle;
        }

        idle?.TrySetResult();
    }

    private async Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        context.Response.Headers.Connection = "close";
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Shutting down",
                Detail = "This node is stopping; retry the request, another node (or this one restarted) will serve it.",
            },
        });
    }
}
