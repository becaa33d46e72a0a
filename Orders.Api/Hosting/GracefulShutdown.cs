using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orders.Realtime;

namespace Orders.Api.Hosting;

// A stopping node (SIGTERM, or the host stopped) in this order, before Kestrel and the background services stop:
// 1. new requests are refused (503, connection closed) and new sockets too (by the Socket.IO server, since
//    ApplicationStopping); those in flight finish, so every change a client was told about is committed;
// 2. the feed sends every committed event to the sockets, and each socket's queued frames go out;
// 3. each socket's transport is closed (not a Socket.IO disconnect): the stock client reconnects, to another node or
//    this one restarted, and recovers whatever it missed from order_events.
// All of it within Shutdown:DrainTimeout; the host's remaining time (Shutdown:Timeout) is for Kestrel and the
// background services (the session writer stores the closed sessions as recoverable).
internal sealed partial class GracefulShutdown(
    InFlightRequests requests, RealtimeShutdown realtime, IOptions<ShutdownOptions> options, ILogger<GracefulShutdown> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(options.Value.DrainTimeout);
        LogStopping(logger, requests.Count, options.Value.Timeout);
        try
        {
            await requests.DrainAsync(drain.Token);
        }
        catch (OperationCanceledException)
        {
            LogRequestsLeft(logger, requests.Count);
        }

        await realtime.CloseAsync(drain.Token);
        LogDrained(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Stopping: refusing new requests and sockets, {InFlight} requests in flight (Shutdown:Timeout {Timeout})")]
    private static partial void LogStopping(ILogger logger, int inFlight, TimeSpan timeout);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Stopping: {InFlight} requests still in flight at the drain timeout")]
    private static partial void LogRequestsLeft(ILogger logger, int inFlight);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Stopping: requests finished, events sent and sockets closed in {ElapsedMs:0} ms")]
    private static partial void LogDrained(ILogger logger, double elapsedMs);
}
