using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Orders.Realtime.Auth;

namespace Orders.Api.Auth;

internal static class AuthServiceCollectionExtensions
{
    public static IServiceCollection AddAccessTokenAuth(this IServiceCollection services)
    {
        services.AddOptions<AccessTokenOptions>().Configure<IConfiguration>(AccessTokenOptions.Bind).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessTokenOptions>, AccessTokenOptions.Validator>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<IAccessTokenValidator>(sp => sp.GetRequiredService<AccessTokenValidator>());
        services.AddSingleton<AccessTokenIssuer>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokenValidator>((bearer, validator) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = validator.Parameters;
                bearer.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        if (!AccessTokenValidator.HasSubject(context.Principal))
                        {
                            context.Fail("The access token has no sub claim.");
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => c.User.IsAdmin()));
        return services;
    }
}
