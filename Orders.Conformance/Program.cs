using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orders.Conformance;
using Orders.Protocol;
using Orders.Protocol.SocketIO;

ConformanceOptions options;
try
{
    options = ConformanceOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
builder.Services.AddSocketIO(o =>
{
    o.PingInterval = TimeSpan.FromMilliseconds(options.PingIntervalMs);
    o.PingTimeout = TimeSpan.FromMilliseconds(options.PingTimeoutMs);
    o.ConnectTimeout = TimeSpan.FromMilliseconds(options.ConnectTimeoutMs);
    o.MaxHttpBufferSize = options.MaxPayload;
    o.CorsOrigins = ["*"];
});

var app = builder.Build();
app.MapEngineIO("/engine.io", new EchoEngineHandler(), o =>
{
    o.PingInterval = TimeSpan.FromMilliseconds(options.PingIntervalMs);
    o.PingTimeout = TimeSpan.FromMilliseconds(options.PingTimeoutMs);
    o.MaxHttpBufferSize = options.MaxPayload;
    o.CorsOrigins = ["*"];
});
app.MapSocketIO("/socket.io");
ConformanceBehaviour.Configure(app.Services.GetRequiredService<SocketIOServer>());

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"READY {address}");
await app.WaitForShutdownAsync();
return 0;
