using Microsoft.Extensions.Options;
using Orders.Api.Auth;
using Orders.Api.Hosting;

if (args is ["token", .. var tokenArgs])
{
    return TokenCommand.Run(tokenArgs);
}

WebApplication app;
try
{
    app = OrdersApplication.Build(args);
    await OrdersApplication.StartAsync(app, CancellationToken.None);
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"Orders.Api cannot start: {e.Message}");
    return 2;
}
catch (StartupFailedException e)
{
    await Console.Error.WriteLineAsync($"Orders.Api cannot start: {e.Message}");
    return 3;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
