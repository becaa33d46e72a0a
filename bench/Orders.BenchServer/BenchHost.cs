using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Orders.Protocol;
using Orders.Protocol.SocketIO;

namespace Orders.BenchServer;

/// <summary>The orders server's Socket.IO stack with the app's auth replaced by the benchmark contract.</summary>
internal static class BenchHost
{
    public static WebApplication Build(BenchServerOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Host, options.Port));
        builder.Services.Configure<SocketTransportOptions>(t =>
        {
            t.Backlog = options.Backlog;

            // On the one core the server is pinned to, every hop from the socket thread to a pool worker is a futex
            // wake and a context switch (strace of a storm: 4.5 futex calls per connect). Nothing on this server's
            // socket path blocks.
            t.UnsafePreferInlineScheduling = options.InlineIO;
        });
        builder.Services.AddSingleton<CloseReasons>();
        builder.Services.AddSocketIO(o =>
        {
            o.EngineIO.PingInterval = TimeSpan.FromMilliseconds(options.PingIntervalMs);
            o.EngineIO.PingTimeout = TimeSpan.FromMilliseconds(options.PingTimeoutMs);

            // Every benchmark client connects from a handful of loopback addresses, thousands each.
            o.EngineIO.Limits.Disable();
        });

        var app = builder.Build();
        app.MapSocketIO("/socket.io");
        var io = app.Services.GetRequiredService<SocketIOServer>();
        BenchContract.Configure(io);
        BenchContract.MapEndpoints(app, io, app.Services.GetRequiredService<CloseReasons>());
        return app;
    }
}
