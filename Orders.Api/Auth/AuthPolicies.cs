namespace Orders.Api.Auth;

internal static class AuthPolicies
{
    public const string Admin = "admin";
}
