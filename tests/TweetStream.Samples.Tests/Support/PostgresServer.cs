using System.Net;
using System.Net.Sockets;

namespace TweetStream.Samples.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server: initdb and pg_ctl from the Debian packages (.ci/run installs them) into a temp
/// folder, on a free port of 127.0.0.1. As root the server runs as the <c>postgres</c> user, which PostgreSQL requires.
/// When no server can start, <see cref="SkipReason"/> says why and the tests skip.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _bin;
    private string? _root;
    private bool _started;

    public string? SkipReason { get; private set; }

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _bin = FindBin();
        if (_bin is null)
        {
            SkipReason = "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package, as .ci/run does";
            return;
        }

        var asRoot = Environment.UserName == "root";
        _root = Path.Combine(Path.GetTempPath(), "tweetstream-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        var data = Path.Combine(_root, "data");
        var port = FreePort();
        try
        {
            if (asRoot)
            {
                await RequireAsync("chown", ["-R", "postgres", _root]);
            }

            await RequireAsync(Path.Combine(_bin, "initdb"), ["-D", data, "-U", "tweetstream", "--auth=trust", "-E", "UTF8", "--no-sync"], asRoot);
            await RequireAsync(
                Path.Combine(_bin, "pg_ctl"),
                ["-D", data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                asRoot);
            _started = true;
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=tweetstream;Database=postgres;Pooling=true";
        }
        catch (InvalidOperationException ex)
        {
            SkipReason = "PostgreSQL could not start here: " + ex.Message;
        }
    }

    public async Task DisposeAsync()
    {
        if (_started)
        {
            await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["-D", Path.Combine(_root!, "data"), "-m", "immediate", "stop"], Environment.UserName == "root");
        }

        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string? FindBin()
    {
        const string Debian = "/usr/lib/postgresql";
        if (Directory.Exists(Debian))
        {
            var newest = Directory.EnumerateDirectories(Debian)
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && File.Exists(Path.Combine(d, "bin", "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return Path.Combine(newest, "bin");
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .FirstOrDefault(d => d.Length > 0 && File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RequireAsync(string command, string[] args, bool asPostgres = false)
    {
        var (exitCode, stdout, stderr) = await RunAsync(command, args, asPostgres);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command)} exited {exitCode}: {stderr.Trim()} {stdout.Trim()}".Trim());
        }
    }

    private static async Task<(int, string, string)> RunAsync(string command, string[] args, bool asPostgres)
    {
        try
        {
            // PostgreSQL refuses to run as root: hand the command to the postgres user.
            return asPostgres
                ? await ChildProcess.RunAsync("runuser", ["-u", "postgres", "--", command, .. args], timeout: TimeSpan.FromMinutes(2))
                : await ChildProcess.RunAsync(command, args, timeout: TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, string.Empty, ex.Message);
        }
    }
}
