using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;

namespace TweetStream.Dashboard;

/// <summary>Settings of the dashboard mounted with <c>MapTweetDashboard</c>.</summary>
/// <remarks>
/// <para>Login, in order of precedence:</para>
/// <list type="number">
/// <item><see cref="PasswordHash"/>: a hash printed by <see cref="DashboardPassword.Hash(string)"/>
/// (<c>pbkdf2-sha256$iterations$salt$key</c>) or an ASP.NET Core Identity <c>PasswordHasher</c> hash.</item>
/// <item><see cref="Password"/>: a plain password (e.g. <c>TweetStream__Dashboard__Password</c> in a container),
/// hashed in memory at start and never logged.</item>
/// <item>Neither: the first start generates a random password, prints it once to standard output and stores only
/// its hash in <c>dashboard-password.hash</c> under <see cref="DataDirectory"/>; later starts read that hash.</item>
/// </list>
/// <para><see cref="OpenIdConnect"/> adds a "sign in with …" button beside the password form.</para>
/// </remarks>
public sealed class DashboardOptions
{
    /// <summary>A password hash from <see cref="DashboardPassword.Hash(string)"/> or ASP.NET Core Identity. Wins over <see cref="Password"/>. Default none.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>
    /// A plain password, hashed in memory at start (PBKDF2-SHA256, 100,000 iterations, since no hash of it is ever
    /// stored) and never logged. Prefer <see cref="PasswordHash"/> outside containers. Default none.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Folder for the generated password's hash file (<c>dashboard-password.hash</c>). Default <c>data</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Widest date range the API answers. Default 31 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(31);

    /// <summary>Largest page size the API answers. Default 200.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>Page size when the request names none. Default 50; at most <see cref="MaxPageSize"/>.</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>Most rows one CSV export writes; a larger range is cut there (the response says so in <c>X-Export-Truncated</c>). Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxExportRows { get; set; } = 10_000;

    /// <summary>Password login attempts allowed per client IP address per minute; more get 429. Default 5.</summary>
    [Range(1, 1_000)]
    public int LoginAttemptsPerMinute { get; set; } = 5;

    /// <summary>How long a session lasts without activity (sliding). Default 8 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often the live tail asks the store for new posts. Default 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan TailPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most posts the live tail sends per poll; a larger burst sends its newest posts only. Default 100.</summary>
    [Range(1, 1_000)]
    public int TailBatchSize { get; set; } = 100;

    /// <summary>Optional OpenID Connect sign-in (e.g. Google). Off while <see cref="DashboardOpenIdConnectOptions.Authority"/> is empty.</summary>
    [ValidateObjectMembers]
    public DashboardOpenIdConnectOptions OpenIdConnect { get; set; } = new();
}

/// <summary>OpenID Connect sign-in for the dashboard, e.g. Google (<c>https://accounts.google.com</c>).</summary>
/// <remarks>
/// Any account of the provider can sign in there, so only the addresses in <see cref="AllowedEmails"/> (verified by
/// the provider) get a session. While enabled, the session cookie is <c>SameSite=Lax</c> instead of <c>Strict</c>,
/// because the provider sends the browser back cross-site; the dashboard's only form posts carry anti-forgery tokens.
/// </remarks>
public sealed class DashboardOpenIdConnectOptions
{
    /// <summary>The issuer, e.g. <c>https://accounts.google.com</c>. Empty (the default) turns OpenID Connect off.</summary>
    public string? Authority { get; set; }

    /// <summary>The client id registered with the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret registered with the provider (from a secret store, never committed).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>E-mail addresses allowed in (case-insensitive). Required when OpenID Connect is on.</summary>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Bound from configuration.")]
    public IList<string> AllowedEmails { get; set; } = [];

    /// <summary>The redirect path registered with the provider. Default <c>/signin-oidc</c>.</summary>
    [Required]
    public string CallbackPath { get; set; } = "/signin-oidc";

    /// <summary>Text of the sign-in button. Default <c>Sign in with Google</c>.</summary>
    [Required]
    public string DisplayName { get; set; } = "Sign in with Google";

    /// <summary>Whether the provider's metadata must come over https. Turn off only for a local test provider. Default true.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>True when <see cref="Authority"/> is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
