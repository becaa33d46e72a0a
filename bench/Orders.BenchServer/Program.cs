using Orders.BenchServer;

BenchServerOptions options;
try
{
    options = BenchServerOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

var app = BenchHost.Build(options);
await app.StartAsync();
Console.WriteLine($"READY http://{options.Host}:{options.Port} pid={Environment.ProcessId} gc={(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
await app.WaitForShutdownAsync();
return 0;
