using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>
/// The built worker running in served mode (the live sources never end, so <c>--once</c> cannot be used) in a
/// given working directory, with its output captured; disposing kills it.
/// </summary>
internal sealed class ServedWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServedWorker(Process process, string workingDirectory)
    {
        _process = process;
        WorkingDirectory = workingDirectory;
    }

    public string WorkingDirectory { get; }

    public string DataDirectory => Path.Combine(WorkingDirectory, "data");

    public string Database => Path.Combine(DataDirectory, "tweetstream.db");

    /// <summary>Standard output and error so far, one line each.</summary>
    public string Output => string.Join('\n', _output);

    public static ServedWorker Start(string workingDirectory, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerProcess.WorkerDll);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["PORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var worker = new ServedWorker(process, workingDirectory);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) worker._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails early if the worker exits, and at the shared safety net if it hangs.</summary>
    public Task WaitForAsync(Func<bool> condition, string what) =>
        Patience.UntilAsync(
            () =>
            {
                Assert.False(_process.HasExited, $"worker exited while waiting for {what}; output:\n{Output}");
                return condition();
            },
            what,
            details: () => "output:\n" + Output);

    /// <summary>Rows of the store (read-only), or none while it does not exist yet or is being created.</summary>
    public List<Dictionary<string, object?>> Posts()
    {
        if (!File.Exists(Database))
        {
            return [];
        }

        try
        {
            using var connection = new SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, source, author_id_hash, author_hash, text, hashtags FROM posts ORDER BY id";
            using var reader = command.ExecuteReader();
            var rows = new List<Dictionary<string, object?>>();
            while (reader.Read())
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }
        catch (SqliteException)
        {
            // The schema is created by the worker's first transaction; until then the table may be missing or locked.
            return [];
        }
    }

    /// <summary>Every file under data/ as text (read while the worker may still hold them open).</summary>
    public Dictionary<string, string> DataFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(DataDirectory))
        {
            return files;
        }

        foreach (var file in Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files[file] = reader.ReadToEnd();
        }

        return files;
    }

    /// <summary>Kills the worker (the live sources never end by themselves) and waits until its output is complete.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WithinSafetyNet("the killed worker to exit");
    }

    /// <summary>Stops the worker the way a service manager does (SIGTERM), so it drains and saves its state, and waits for it.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // Draining may take the drain timeout and then some on a busy machine: only a hang fails here.
        await _process.WaitForExitAsync().WithinSafetyNet("the worker to drain and exit after SIGTERM");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
