using Microsoft.Extensions.Options;

namespace Orders.Api.Auth;

// `Orders.Api token --user alice [--role admin] [--minutes 60]`: prints a signed access token for local use.
internal static class TokenCommand
{
    public static int Run(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var user = configuration["user"];
        if (string.IsNullOrWhiteSpace(user))
        {
            Console.Error.WriteLine("usage: Orders.Api token --user <id> [--role admin] [--minutes 60]");
            return 2;
        }

        var settings = new AccessTokenOptions();
        AccessTokenOptions.Bind(settings, configuration);
        var check = new AccessTokenOptions.Validator().Validate(null, settings);
        if (check.Failed)
        {
            Console.Error.WriteLine(check.FailureMessage);
            return 2;
        }

        var minutes = int.TryParse(configuration["minutes"], out var m) && m > 0 ? m : 60;
        var roles = configuration["role"] is { Length: > 0 } role ? new[] { role } : [];
        var issuer = new AccessTokenIssuer(Options.Create(settings), TimeProvider.System);
        Console.WriteLine(issuer.Issue(user, roles, TimeSpan.FromMinutes(minutes)));
        return 0;
    }
}
