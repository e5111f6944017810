namespace TweetStream.Tests.Support;

// The linked Pub/Sub and BigQuery doubles (tests/TweetStream.Gcp.Tests/Support/PubSubTestServer.cs and
// BigQueryTestServer.cs) call two members of the tests' support helpers. Those helpers fail through xunit and find the
// repository above the test binary, neither of which holds for a benchmark that may run from anywhere, so the benchmark
// supplies the two members here.

/// <summary>Where the double's schema validator looks for the full discovery documents.</summary>
internal static class TestPaths
{
    /// <summary>Always null: the double validates against the schema fixtures committed with the tests (copied beside the binary).</summary>
    public static string? SharedReference => null;
}

/// <summary>The double's wait helper, without the test framework's failure type.</summary>
internal static class Patience
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(2);

    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Environment.TickCount64;
        while (!condition())
        {
            if (Environment.TickCount64 - started > SafetyNet.TotalMilliseconds)
            {
                throw new TimeoutException($"Hung: still waiting for {what} after {SafetyNet.TotalMinutes:0} minutes.");
            }

            await Task.Delay(10);
        }
    }
}
