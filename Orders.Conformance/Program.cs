using Orders.Conformance;

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

var app = ConformanceHost.Build(options);
await app.StartAsync();
Console.WriteLine($"READY {ConformanceHost.Address(app).ToString().TrimEnd('/')}");
await app.WaitForShutdownAsync();
return 0;
