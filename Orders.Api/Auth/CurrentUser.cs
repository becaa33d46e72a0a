using System.Security.Claims;

namespace Orders.Api.Auth;

internal static class CurrentUser
{
    public static string Id(this ClaimsPrincipal user) => user.FindFirstValue(AccessTokenValidator.SubjectClaim)!;

    public static bool IsAdmin(this ClaimsPrincipal user) => AccessTokenValidator.IsAdmin(user);
}
