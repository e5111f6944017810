using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TweetStream;
using TweetStream.Dashboard;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the TweetStream dashboard registered with <c>AddTweetDashboard</c>.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>Maps the dashboard page, its login and its JSON API under <paramref name="prefix"/>.</summary>
    /// <param name="endpoints">The host's endpoints.</param>
    /// <param name="prefix">A path such as <c>/dashboard</c>; empty (the default) mounts at the root.</param>
    /// <returns>The dashboard's route group, for further conventions (e.g. host filtering).</returns>
    /// <remarks>
    /// <para>Routes (relative to the prefix): <c>/</c> the page; <c>/login</c> (GET, POST) and <c>/login/oidc</c>;
    /// <c>/logout</c> (POST); <c>/assets/dashboard.css</c>, <c>/assets/dashboard.js</c>;
    /// <c>/api/posts?from&amp;to&amp;page&amp;pageSize</c>, <c>/api/stats?from&amp;to</c>, <c>/api/tail</c> (server-sent events).</para>
    /// <para>All but the login page, its post and the style sheet require a session; API calls without one get 401,
    /// page requests a redirect to the login page. Health endpoints are the host's.</para>
    /// </remarks>
    public static RouteGroupBuilder MapTweetDashboard(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        // Fail at start with the fix, not at the first request with a resolution error.
        var registered = endpoints.ServiceProvider.GetService<IServiceProviderIsService>();
        if (registered is not null && !registered.IsService(typeof(DashboardCredentials)))
        {
            throw new InvalidOperationException("Call services.AddTweetDashboard(...) before MapTweetDashboard.");
        }

        if (registered is not null && !registered.IsService(typeof(IPostStore)))
        {
            throw new InvalidOperationException("The dashboard reads posts through IPostStore: register one (e.g. the SQLite store) before MapTweetDashboard.");
        }

        prefix = prefix.Trim().TrimEnd('/');
        if (prefix.Length > 0 && prefix[0] != '/')
        {
            prefix = "/" + prefix;
        }

        return DashboardEndpoints.Map(endpoints, prefix);
    }
}
