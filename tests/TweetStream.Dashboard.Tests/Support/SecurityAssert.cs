namespace TweetStream.Dashboard.Tests.Support;

public static class SecurityAssert
{
    public const string ExpectedCsp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static void HasSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal(ExpectedCsp, Single(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"{name} missing on {(int)response.StatusCode} {response.RequestMessage?.RequestUri}");
}
