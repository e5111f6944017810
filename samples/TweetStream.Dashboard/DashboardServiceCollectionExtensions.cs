using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using TweetStream.Dashboard;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TweetStream dashboard's services; mount it with <c>MapTweetDashboard</c>.</summary>
/// <remarks>
/// The host registers an <see cref="TweetStream.IPostStore"/>. The dashboard adds its own cookie authentication
/// scheme (<see cref="DashboardAuthentication.CookieScheme"/>) and authorization policy, so a host's own schemes and
/// default scheme are left alone. A <c>WebApplication</c> adds the authentication and authorization middleware
/// itself; other hosts call <c>UseAuthentication()</c> and <c>UseAuthorization()</c> after <c>UseRouting()</c>.
/// </remarks>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>Registers the dashboard with default options (a generated password under <c>data/</c>).</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddTweetDashboard(this IServiceCollection services) => services.AddTweetDashboard(_ => { });

    /// <summary>Registers the dashboard with options set in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddTweetDashboard(this IServiceCollection services, Action<DashboardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        // Authentication schemes are fixed at registration, so whether OpenID Connect is on is decided here.
        var probe = new DashboardOptions();
        configure(probe);
        return AddCore(services, probe.OpenIdConnect.Enabled).Configure(configure).Services;
    }

    /// <summary>Registers the dashboard with options bound from <paramref name="section"/> (e.g. <c>TweetStream:Dashboard</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddTweetDashboard(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var probe = new DashboardOptions();
        section.Bind(probe);
        return AddCore(services, probe.OpenIdConnect.Enabled).Bind(section).Services;
    }

    private static OptionsBuilder<DashboardOptions> AddCore(IServiceCollection services, bool openIdConnect)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDashboardConsole, StandardOutputConsole>();
        services.TryAddSingleton<DashboardCredentials>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Hosting.IHostedService, DashboardStartup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>());

        services.AddAntiforgery(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        var authentication = services.AddAuthentication();
        if (!services.Any(d => d.ServiceType == typeof(DashboardMarker)))
        {
            services.AddSingleton<DashboardMarker>();
            authentication.AddCookie(DashboardAuthentication.CookieScheme);
            services.AddOptions<CookieAuthenticationOptions>(DashboardAuthentication.CookieScheme)
                .Configure<IOptions<DashboardOptions>>((cookie, dashboard) => ConfigureCookie(cookie, dashboard.Value, openIdConnect));
            if (openIdConnect)
            {
                authentication.AddOpenIdConnect(DashboardAuthentication.OpenIdConnectScheme, _ => { });
                services.AddOptions<OpenIdConnectOptions>(DashboardAuthentication.OpenIdConnectScheme)
                    .Configure<IOptions<DashboardOptions>, ILoggerFactory>((oidc, dashboard, logs) => ConfigureOpenIdConnect(oidc, dashboard.Value.OpenIdConnect, logs));
            }
        }

        services.AddAuthorizationBuilder().AddPolicy(DashboardAuthentication.Policy, p => p
            .AddAuthenticationSchemes(DashboardAuthentication.CookieScheme)
            .RequireAuthenticatedUser());

        return services.AddOptions<DashboardOptions>()
            .Validate(o => o.DefaultPageSize <= o.MaxPageSize, "DefaultPageSize must not exceed MaxPageSize.")
            .Validate(
                o => string.IsNullOrWhiteSpace(o.PasswordHash) || DashboardPassword.TryCreateVerifier(o.PasswordHash, out _, out _),
                "PasswordHash is not a pbkdf2-sha256$… hash (print one with DashboardPassword.Hash / the worker's hash-password command) of at least 100,000 iterations, nor an ASP.NET Core Identity v3 hash.")
            .Validate(
                o => !o.OpenIdConnect.Enabled || (!string.IsNullOrWhiteSpace(o.OpenIdConnect.ClientId) && o.OpenIdConnect.AllowedEmails.Count > 0),
                "OpenIdConnect needs ClientId and at least one AllowedEmails entry: any account of the provider could sign in otherwise.")
            .ValidateOnStart();
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, DashboardOptions dashboard, bool openIdConnect)
    {
        cookie.Cookie.Name = "TweetStream.Dashboard";
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        // Lax only with OpenID Connect: the provider's redirect back is a cross-site navigation.
        cookie.Cookie.SameSite = openIdConnect ? SameSiteMode.Lax : SameSiteMode.Strict;
        cookie.ExpireTimeSpan = dashboard.SessionLifetime;
        cookie.SlidingExpiration = true;
        cookie.Events.OnRedirectToLogin = context =>
        {
            var metadata = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpointMetadata>();
            if (metadata is null)
            {
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            }

            SecurityHeaders.Apply(context.Response);
            if (metadata.IsApi)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }
            else
            {
                context.Response.Redirect(context.Request.PathBase + metadata.Prefix + "/login");
            }

            return Task.CompletedTask;
        };
        cookie.Events.OnRedirectToAccessDenied = context =>
        {
            SecurityHeaders.Apply(context.Response);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions oidc, DashboardOpenIdConnectOptions options, ILoggerFactory logs)
    {
        var logger = logs.CreateLogger(typeof(DashboardAuthentication).FullName!);
        oidc.Authority = options.Authority;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = options.ClientSecret;
        oidc.CallbackPath = options.CallbackPath;
        oidc.SignInScheme = DashboardAuthentication.CookieScheme;
        oidc.ResponseType = "code";
        oidc.UsePkce = true;
        oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;

        // The code comes back in the query of a top-level GET, so the correlation and nonce cookies can be Lax
        // rather than SameSite=None (which browsers accept only with Secure, ruling out http on localhost).
        oidc.ResponseMode = OpenIdConnectResponseMode.Query;
        oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
        oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.NonceCookie.SameSite = SameSiteMode.Lax;
        oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.SaveTokens = false;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        oidc.Scope.Clear();
        oidc.Scope.Add("openid");
        oidc.Scope.Add("email");
        var allowed = new HashSet<string>(options.AllowedEmails, StringComparer.OrdinalIgnoreCase);
        oidc.Events.OnTokenValidated = context =>
        {
            var email = context.Principal?.FindFirst("email")?.Value;
            var verified = string.Equals(context.Principal?.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase);
            if (email is null || !verified || !allowed.Contains(email))
            {
                DashboardLog.OidcRefused(logger);
                context.Fail("This account may not use the dashboard.");
                return Task.CompletedTask;
            }

            // Keep only what the session needs: the provider's tokens and profile stay out of the cookie.
            context.Principal = DashboardAuthentication.CreatePrincipal(email, "oidc");
            DashboardLog.LoginSucceeded(logger, "OpenID Connect");
            return Task.CompletedTask;
        };
        oidc.Events.OnRemoteFailure = context =>
        {
            // Back to the dashboard, which sends the browser to the login page; the reason stays in the log.
            context.Response.Redirect(context.Properties?.RedirectUri ?? context.Request.PathBase + "/");
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    private sealed class DashboardMarker;
}
