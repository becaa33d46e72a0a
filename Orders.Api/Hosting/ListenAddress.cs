using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

// PORT (default 3004) on localhost, unless ASPNETCORE_URLS / --urls says otherwise.
internal static class ListenAddress
{
    public const int DefaultPort = 3004;

    public static void Apply(WebApplicationBuilder builder)
    {
        if (builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 })
        {
            return;
        }

        var port = builder.Configuration["PORT"] is { Length: > 0 } value
            ? int.TryParse(value, out var parsed) && parsed is >= 0 and <= 65535
                ? parsed
                : throw new OptionsValidationException("PORT", typeof(int), [$"PORT must be a number from 0 to 65535, not '{value}'."])
            : DefaultPort;
        builder.WebHost.UseUrls($"http://localhost:{port}");
    }
}
