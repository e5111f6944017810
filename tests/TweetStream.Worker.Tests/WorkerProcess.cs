using System.Diagnostics;
using System.Reflection;
using TweetStream.Tests.Support;

namespace TweetStream.Worker.Tests;

/// <summary>Runs the built worker as its own process in a given working directory.</summary>
internal static class WorkerProcess
{
    public static string WorkerDll
    {
        get
        {
            var configuration = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "WorkerConfiguration").Value!;
            return Path.Combine(TestPaths.RepositoryRoot, "samples", "TweetStream.Worker", "bin", configuration, "net10.0", "TweetStream.Worker.dll");
        }
    }

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        string workingDirectory, IDictionary<string, string>? environment = null, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WithinSafetyNet("the worker to finish: " + string.Join(' ', args));
        }
        catch (Xunit.Sdk.FailException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
