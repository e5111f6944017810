using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TweetStream.Dashboard;

/// <summary>Where a generated password is shown: standard output, not a log line, so log shipping never keeps it.</summary>
internal interface IDashboardConsole
{
    void WriteLine(string line);
}

internal sealed class StandardOutputConsole : IDashboardConsole
{
    public void WriteLine(string line) => Console.Out.WriteLine(line);
}

/// <summary>Holds the password verifier, built once from options or the hash file.</summary>
/// <remarks>Thread-safe. Built at start by <see cref="DashboardStartup"/> so a generated password appears at start,
/// and lazily on first use for hosts that do not run hosted services.</remarks>
internal sealed class DashboardCredentials
{
    public const string HashFileName = "dashboard-password.hash";

    private readonly Lazy<Func<string, bool>> _verifier;

    public DashboardCredentials(IOptions<DashboardOptions> options, IDashboardConsole console, ILogger<DashboardCredentials> logger)
    {
        _verifier = new Lazy<Func<string, bool>>(() => Build(options.Value, console, logger), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public void EnsureInitialized() => _ = _verifier.Value;

    public bool Verify(string? password) => !string.IsNullOrEmpty(password) && _verifier.Value(password);

    private static Func<string, bool> Build(DashboardOptions options, IDashboardConsole console, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(options.PasswordHash))
        {
            DashboardLog.PasswordSource(logger, "PasswordHash");
            return Parse(options.PasswordHash, "PasswordHash");
        }

        if (!string.IsNullOrEmpty(options.Password))
        {
            DashboardLog.PasswordSource(logger, "Password");
            return Parse(DashboardPassword.Hash(options.Password, DashboardPassword.MinimumIterations), "Password");
        }

        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, HashFileName));
        if (File.Exists(path))
        {
            DashboardLog.PasswordSource(logger, path);
            return Parse(File.ReadAllText(path, Encoding.UTF8), path);
        }

        var password = DashboardPassword.Generate();
        var hash = DashboardPassword.Hash(password);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, Encoding.UTF8, fileOptions);
            writer.WriteLine(hash);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance sharing the data folder won the race: its password is the one.
            return Parse(File.ReadAllText(path, Encoding.UTF8), path);
        }

        DashboardLog.PasswordGenerated(logger, path);
        console.WriteLine("TweetStream dashboard: generated a login password. It is shown only this once; only its hash is kept in " + path + ":");
        console.WriteLine("    " + password);
        console.WriteLine("Delete that file to generate a new one, or set TweetStream:Dashboard:PasswordHash.");
        return Parse(hash, path);
    }

    private static Func<string, bool> Parse(string hash, string origin) =>
        DashboardPassword.TryCreateVerifier(hash, out var verify, out var error)
            ? verify
            : throw new InvalidOperationException("Dashboard password from " + origin + " is unusable: " + error);
}

/// <summary>Builds the credentials when the host starts, so a generated password is printed then, not at the first login.</summary>
internal sealed class DashboardStartup(DashboardCredentials credentials) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        credentials.EnsureInitialized();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
