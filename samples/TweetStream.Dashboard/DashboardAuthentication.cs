using System.Security.Claims;

namespace TweetStream.Dashboard;

/// <summary>Names of the dashboard's authentication schemes and authorization policy.</summary>
public static class DashboardAuthentication
{
    /// <summary>The cookie scheme holding a dashboard session.</summary>
    public const string CookieScheme = "TweetStream.Dashboard";

    /// <summary>The OpenID Connect scheme, registered when <see cref="DashboardOpenIdConnectOptions.Authority"/> is set.</summary>
    public const string OpenIdConnectScheme = "TweetStream.Dashboard.Oidc";

    /// <summary>The authorization policy every protected dashboard endpoint requires.</summary>
    public const string Policy = "TweetStream.Dashboard";

    internal static ClaimsPrincipal CreatePrincipal(string name, string method) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("amr", method)], CookieScheme));
}
