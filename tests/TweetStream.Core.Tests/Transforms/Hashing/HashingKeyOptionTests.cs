using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Tests.Transforms.Hashing;

public sealed class HashingKeyOptionTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.CreateTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void GenerateKeyFile_generates_a_key_in_data_hashing_key_once_warns_once_and_keeps_it()
    {
        var logger = new CountingLogger();
        var options = new HashHandlesOptions { GenerateKeyFile = true };

        var first = HashingKeyProvider.Load(options, logger, _dir.Path);
        var second = HashingKeyProvider.Load(options, logger, _dir.Path);

        var file = _dir.Combine("data", "hashing.key");
        Assert.True(File.Exists(file));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(file)).Length);
        Assert.Equal(first.Key.ToArray(), second.Key.ToArray());
        var warning = Assert.Single(logger.Warnings);
        Assert.Contains("generated a random one", warning, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void A_missing_key_is_reported_once_however_many_pipelines_hash_and_names_the_option()
    {
        var services = new ServiceCollection();
        services.AddTweetStream("one", p => p.AddHashHandles());
        services.AddTweetStream("two", p => p.AddHashHandles().AddRedactPii());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HashHandlesOptions>>().Value);

        var failure = Assert.Single(error.Failures);
        Assert.Contains("GenerateKeyFile", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void With_GenerateKeyFile_the_options_validate()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.AddHashHandles(o => o.GenerateKeyFile = true));
        using var provider = services.BuildServiceProvider();

        Assert.True(provider.GetRequiredService<IOptions<HashHandlesOptions>>().Value.GenerateKeyFile);
    }

    private sealed class CountingLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
