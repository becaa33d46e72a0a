using System.Globalization;
using Microsoft.Extensions.Options;

namespace Orders.Api.Auth;

// ACCESS_TOKEN_SECRET and ISSUER, as the seed frontend's services name them.
internal sealed class AccessTokenOptions
{
    public const int MinimumSecretLength = 32;
    public const string DefaultIssuer = "http://localhost:3000";
    public static readonly TimeSpan MaximumClockSkew = TimeSpan.FromMinutes(5);

    public string Secret { get; set; } = "";

    public string Issuer { get; set; } = DefaultIssuer;

    // Small, so an expired token stops working within seconds, yet tolerant of clocks a little apart.
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public static void Bind(AccessTokenOptions options, IConfiguration configuration)
    {
        options.Secret = configuration["ACCESS_TOKEN_SECRET"] ?? "";
        options.Issuer = configuration["ISSUER"] is { Length: > 0 } issuer ? issuer : DefaultIssuer;

        // Whole seconds: a bare number given to a TimeSpan setting would be read as days.
        if (configuration["ACCESS_TOKEN_CLOCK_SKEW_SECONDS"] is { Length: > 0 } skew)
        {
            options.ClockSkew = int.TryParse(skew, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.MinValue;
        }
    }

    internal sealed class Validator : IValidateOptions<AccessTokenOptions>
    {
        public ValidateOptionsResult Validate(string? name, AccessTokenOptions options) =>
            options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaximumClockSkew
                ? ValidateOptionsResult.Fail(
                    $"ACCESS_TOKEN_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to {MaximumClockSkew.TotalSeconds:0}.")
                : ValidateSecret(options);

        private static ValidateOptionsResult ValidateSecret(AccessTokenOptions options) =>
            options.Secret.Length switch
            {
                0 => ValidateOptionsResult.Fail(
                    "ACCESS_TOKEN_SECRET is not set. Set it to the HS256 secret shared with the auth service (at least 32 characters); `make run` supplies a development default."),
                < MinimumSecretLength => ValidateOptionsResult.Fail(
                    $"ACCESS_TOKEN_SECRET is {options.Secret.Length} characters long; HS256 needs at least {MinimumSecretLength}."),
                _ => ValidateOptionsResult.Success,
            };
    }
}
