using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orders.Protocol;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO;

namespace Orders.Conformance;

/// <summary>Builds the conformance server; the tests start the same host in-process on port 0.</summary>
internal static class ConformanceHost
{
    public static WebApplication Build(
        ConformanceOptions options, Action<IServiceCollection>? configureServices = null, Action<SocketIOOptions>? configureSocketIO = null,
        Action<EngineIOOptions>? configureEngineIO = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddSocketIO(o =>
        {
            o.EngineIO.PingInterval = TimeSpan.FromMilliseconds(options.PingIntervalMs);
            o.EngineIO.PingTimeout = TimeSpan.FromMilliseconds(options.PingTimeoutMs);
            o.ConnectTimeout = TimeSpan.FromMilliseconds(options.ConnectTimeoutMs);
            o.EngineIO.MaxHttpBufferSize = options.MaxPayload;
            o.EngineIO.CorsOrigins = ["*"];
            configureSocketIO?.Invoke(o);
        });
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapEngineIO("/engine.io", new EchoEngineHandler(), o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(options.PingIntervalMs);
            o.PingTimeout = TimeSpan.FromMilliseconds(options.PingTimeoutMs);
            o.MaxHttpBufferSize = options.MaxPayload;
            o.CorsOrigins = ["*"];
            configureEngineIO?.Invoke(o);
        });
        app.MapSocketIO("/socket.io");
        ConformanceBehaviour.Configure(app.Services.GetRequiredService<SocketIOServer>());
        return app;
    }

    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
