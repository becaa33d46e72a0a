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

await using var gcLog = options.GcLogPath is { } path ? new GcLog(path) : null;
var app = BenchHost.Build(options);
await app.StartAsync();
// The runtime reads its half of inline I/O from the environment only, so a server started without it says so.
var inlineCompletions = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1";
if (options.InlineIO && !inlineCompletions) await Console.Error.WriteLineAsync("warning: --inline-io on without DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1: socket completions still go through the thread pool");
Console.WriteLine($"READY http://{options.Host}:{options.Port} pid={Environment.ProcessId} gc={(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} inline-io={(options.InlineIO ? "on" : "off")} inline-completions={(inlineCompletions ? "on" : "off")}");
await app.WaitForShutdownAsync();
return 0;
