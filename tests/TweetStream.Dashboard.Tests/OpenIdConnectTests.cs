using System.Net;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Dashboard.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed class OpenIdConnectTests
{
    private static Task<DashboardHost> StartAsync(FakeOpenIdProvider provider) => DashboardHost.StartAsync(
        o =>
        {
            o.OpenIdConnect.Authority = provider.Authority;
            o.OpenIdConnect.ClientId = FakeOpenIdProvider.ClientId;
            o.OpenIdConnect.ClientSecret = FakeOpenIdProvider.ClientSecret;
            o.OpenIdConnect.AllowedEmails = ["Owner@Example.test"];
            o.OpenIdConnect.RequireHttpsMetadata = false;
            o.OpenIdConnect.DisplayName = "Sign in with <Test>";
        },
        // Token lifetimes are checked against the real clock by the token handler.
        time: new FakeTimeProvider(TimeProvider.System.GetUtcNow()));

    private static async Task<HttpResponseMessage> SignInAsync(DashboardHost host, FakeOpenIdProvider provider, HttpClient client)
    {
        using var challenge = await client.GetAsync("login/oidc");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(provider.Authority + "/authorize?", authorize.AbsoluteUri, StringComparison.Ordinal);
        var code = provider.Authorize(authorize);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorize.Query);
        var callback = new Uri(query["redirect_uri"].ToString() + "?code=" + code + "&state=" + Uri.EscapeDataString(query["state"].ToString()));
        Assert.Equal(host.BaseAddress.GetLeftPart(UriPartial.Authority), callback.GetLeftPart(UriPartial.Authority));
        return await client.GetAsync(callback);
    }

    [Fact]
    public async Task Login_page_offers_the_provider_with_its_name_encoded()
    {
        await using var provider = await FakeOpenIdProvider.StartAsync();
        await using var host = await StartAsync(provider);

        var html = await host.Client.GetStringAsync("login");

        Assert.Contains("id=\"oidc-login\"", html, StringComparison.Ordinal);
        Assert.Contains("Sign in with &lt;Test&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allowed_verified_account_gets_a_session()
    {
        await using var provider = await FakeOpenIdProvider.StartAsync();
        await using var host = await StartAsync(provider);
        using var client = host.CreateClient();

        using var callback = await SignInAsync(host, provider, client);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/", callback.Headers.Location!.OriginalString);
        Assert.Equal(1, provider.TokenRequests);
        var cookie = Assert.Single(callback.Headers.GetValues("Set-Cookie"), c => c.StartsWith("TweetStream.Dashboard=", StringComparison.Ordinal));
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        using var api = await client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Theory]
    [InlineData("stranger@example.test", true)]
    [InlineData("owner@example.test", false)]
    public async Task Other_or_unverified_accounts_get_no_session(string email, bool verified)
    {
        await using var provider = await FakeOpenIdProvider.StartAsync();
        provider.Email = email;
        provider.EmailVerified = verified;
        await using var host = await StartAsync(provider);
        using var client = host.CreateClient();

        using var callback = await SignInAsync(host, provider, client);

        Assert.Equal(1, provider.TokenRequests);
        Assert.False(callback.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("TweetStream.Dashboard=", StringComparison.Ordinal)));
        using var api = await client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Without_an_authority_the_provider_route_is_absent()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync("login/oidc");
        var html = await host.Client.GetStringAsync("login");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("href=\"login/oidc\"></a>", html, StringComparison.Ordinal);
    }
}
