using Microsoft.Extensions.Logging;

namespace TweetStream.Dashboard;

/// <summary>Source-generated log messages. Never passwords, hashes, post text or handles.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(101, LogLevel.Information, "Dashboard login uses the password from {Origin}")]
    public static partial void PasswordSource(ILogger logger, string origin);

    [LoggerMessage(102, LogLevel.Warning, "Dashboard generated a login password; its hash is stored in {Path} and the password was printed to standard output once")]
    public static partial void PasswordGenerated(ILogger logger, string path);

    [LoggerMessage(103, LogLevel.Warning, "Dashboard login failed")]
    public static partial void LoginFailed(ILogger logger);

    [LoggerMessage(104, LogLevel.Warning, "Dashboard login attempts over the limit were refused")]
    public static partial void LoginThrottled(ILogger logger);

    [LoggerMessage(105, LogLevel.Information, "Dashboard login succeeded ({Method})")]
    public static partial void LoginSucceeded(ILogger logger, string method);

    [LoggerMessage(106, LogLevel.Warning, "Dashboard OpenID Connect sign-in refused: the account's e-mail is not allowed or not verified")]
    public static partial void OidcRefused(ILogger logger);

    [LoggerMessage(107, LogLevel.Warning, "Dashboard live tail stopped after a store error")]
    public static partial void TailFailed(ILogger logger, Exception exception);
}
