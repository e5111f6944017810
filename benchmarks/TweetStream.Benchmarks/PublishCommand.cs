using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.PubSub;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Pipeline;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>publish --count N [--batch-size B] [--parallel P] [--runs R]</c>: Pub/Sub publish throughput of the real
/// <c>PubSubSink</c>, registered through <c>AddPubSubSink</c>, against the tests' strict Pub/Sub REST double on
/// 127.0.0.1 (every request validated against the documented limits). The source hands over pre-generated, already
/// hashed posts, so the figure is the pipeline's batching plus the sink's encoding and HTTP, plus the double's own
/// work, which runs in the same process and so counts in the CPU figure. A 20,000-message warm-up (JIT) comes first,
/// then R timed runs, each against a fresh double and topic; every run must leave exactly N messages on the topic with
/// every publish request accepted, else the command exits 1:
/// <c>publish: N messages in T s, R msgs/s, Q requests, M messages/request (median of R: X msgs/s)</c>.
/// </summary>
internal static class PublishCommand
{
    private const string Project = "bench-project";
    private const int WarmUpCount = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        int count = 200_000, batchSize = 1000, parallel = 4, runs = 5;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            int? parsed = value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
            switch (args[i])
            {
                case "--count" when parsed is not null:
                    count = parsed.Value;
                    break;
                case "--batch-size" when parsed is not null:
                    batchSize = parsed.Value;
                    break;
                case "--parallel" when parsed is not null:
                    parallel = parsed.Value;
                    break;
                case "--runs" when parsed is not null:
                    runs = parsed.Value;
                    break;
                default:
                    Console.Error.WriteLine($"publish: unknown, incomplete or non-positive argument '{args[i]}'");
                    Console.Error.WriteLine("usage: publish --count N [--batch-size B] [--parallel P] [--runs R]");
                    return 2;
            }

            i++;
        }

        // Generated and sized once, outside every timing: the runs measure publishing, not making posts.
        var posts = BenchmarkPosts.Typical(Math.Max(count, WarmUpCount));
        var sizes = posts.Select(p => PostJson.SerializeToUtf8Bytes(p).Length).ToArray();

        var warmUp = await RunOnceAsync(posts, sizes, WarmUpCount, batchSize, parallel);
        Console.WriteLine("warm-up: " + warmUp.Describe());
        if (warmUp.Failure is not null)
        {
            Console.Error.WriteLine("publish: warm-up failed: " + warmUp.Failure);
            return 1;
        }

        var results = new List<RunResult>();
        for (var run = 1; run <= runs; run++)
        {
            var result = await RunOnceAsync(posts, sizes, count, batchSize, parallel);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}/{runs}: {result.Describe()}"));
            if (result.Failure is not null)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"publish: run {run} failed: {result.Failure}"));
                return 1;
            }

            results.Add(result);
        }

        var median = TimedRun.Median(results.Select(r => r.Rate));
        var cpuMedian = TimedRun.Median(results.Select(r => r.CpuMicrosPerMessage));
        var shown = results.OrderBy(r => r.Rate).ElementAt(runs / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"publish: {shown.Summary()} (median of {runs}: {median:N0} msgs/s; batch size {batchSize}, {parallel} parallel batches)"));
        // CPU per message is the steadier figure on a shared machine; it includes the double, which shares the process
        // and keeps every message and a copy of every request body (hence the working set and the collector's share).
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu: {cpuMedian:F2} µs/message (median, sink and double together), peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB"));
        return 0;
    }

    private static async Task<RunResult> RunOnceAsync(Post[] posts, int[] sizes, int count, int batchSize, int parallel)
    {
        // A fresh double per run: a fresh topic, and the previous run's stored messages and recorded requests
        // (a copy of every body) are garbage rather than heap the next run's collector must walk.
        await using var server = await PubSubTestServer.StartAsync();
        const string topic = "posts";
        server.CreateTopic(Project, topic);

        // The registration captures the address, never the double: a finished run's service provider stays reachable
        // for a while after disposal, and with it whatever its lambdas hold (the bigquery command found the same).
        var baseAddress = server.BaseAddress;
        var services = new ServiceCollection();
        // Registered before AddPubSubSink, whose TryAdd then keeps it: a fixed token instead of Application Default Credentials.
        services.AddKeyedSingleton<IGoogleAccessTokenSource>(PubSubClientFactory.TokenSourceKey, new FixedTokenSource());
        services.AddTweetStream(p => p
            .SetSource(_ => new PreparedSource(posts, sizes, count))
            .AddPubSubSink(o =>
            {
                o.ProjectId = Project;
                o.TopicId = topic;
                o.BaseAddress = baseAddress;
            })
            .ConfigurePipeline(o =>
            {
                o.BatchSize = batchSize;
                o.MaxParallelBatches = parallel;
                o.BatchMaxDelay = TimeSpan.FromMilliseconds(50);
            }));
        await using var provider = services.BuildServiceProvider();
        var runner = provider.GetRequiredService<TweetStreamRunner>();

        var timed = await TimedRun.MeasureAsync(runner);

        var stats = runner.Statistics["default"];
        var stored = server.Published(Project, topic).Count;
        var publishes = server.Requests.Where(r => r.Operation == "publish").ToList();
        var rejected = publishes.Count(r => r.StatusCode != 200);
        var accepted = publishes.Where(r => r.StatusCode == 200 && r.Body is not null).Select(r => r.Body!.Value.GetProperty("messages").GetArrayLength()).ToList();
        string? failure = null;
        if (stored != count || rejected > 0 || stats.Written != count || stats.DeadLettered > 0)
        {
            failure = string.Create(CultureInfo.InvariantCulture,
                $"the topic holds {stored} of {count} messages; {rejected} of {publishes.Count} publish requests rejected (statuses {string.Join(",", publishes.Where(r => r.StatusCode != 200).Select(r => r.StatusCode).Distinct())}); pipeline {stats}");
        }

        return new RunResult(count, timed.Elapsed, timed.Cpu, publishes.Count, accepted.Count == 0 ? 0 : accepted.Min(), accepted.Count == 0 ? 0 : accepted.Max(), publishes.Sum(r => (long)r.BodyBytes), timed.GcSummary, failure);
    }

    private sealed record RunResult(int Messages, TimeSpan Elapsed, TimeSpan Cpu, int Requests, int SmallestRequest, int LargestRequest, long RequestBytes, string GcSummary, string? Failure)
    {
        public double Rate => Messages / Elapsed.TotalSeconds;

        public double CpuMicrosPerMessage => Cpu.TotalMicroseconds / Messages;

        public string Summary()
        {
            // Requests below the limit are worth seeing: a batch closed early (delay or byte bound) or a batch split.
            var fill = SmallestRequest == LargestRequest ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({SmallestRequest}–{LargestRequest})");
            return string.Create(CultureInfo.InvariantCulture,
                $"{Messages} messages in {Elapsed.TotalSeconds:F2} s, {Rate:N0} msgs/s, {Requests} requests, {Messages / (double)Math.Max(1, Requests):F0} messages/request{fill}");
        }

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Summary()}, {RequestBytes / Math.Max(1, Requests) / 1024} KiB JSON/request, cpu {CpuMicrosPerMessage:F2} µs/message ({Cpu.TotalSeconds / Elapsed.TotalSeconds:F2} cores busy), {GcSummary}");
    }
}
