namespace TweetStream.Tests.Support;

/// <summary>Finds the repository and the shared reference folder beside it.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary><c>../shared/reference</c> next to the clone, or null on a fresh clone without it.</summary>
    public static string? SharedReference
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "reference"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>Skips the calling test, saying why, when ../shared/reference is absent.</summary>
    public static string RequireSharedReference(params string[] parts)
    {
        var root = SharedReference;
        Skip.If(root is null, "../shared/reference is not present beside this clone; this test reads the real reference samples and runs where they exist (CI has them).");
        return Path.Combine([root!, .. parts]);
    }

    /// <summary>A fresh folder under the system temp directory, deleted by the returned handle.</summary>
    public static TempDirectory CreateTempDirectory() => new();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TweetStream.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("TweetStream.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tweetstream-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
