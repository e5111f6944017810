using System.Globalization;
using TweetStream.Benchmarks.Soak;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>soak --minutes N --rate R [--outage-every S --outage-for S] [--pii-dense | --pii-share S --pii-mix ...]</c>: N
/// minutes of a durable pull source publishing R posts/s → hash handles → redact PII → an encoding sink that fails
/// (transiently) for <c>--outage-for</c> seconds every <c>--outage-every</c> seconds (default 20 every 60; 0 for none),
/// through the real runtime with its default reliability settings. Progress every 10 s, then sent, written, lost,
/// duplicates, dead-lettered and the working set's trend. Exits 1 when anything was lost or dead-lettered.
/// </summary>
internal static class SoakCommand
{
    private const string Usage = "usage: soak --minutes N --rate R [--outage-every S] [--outage-for S] " + SyntheticArguments.Usage;

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = new SoakSettings();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var used = SyntheticArguments.TryApply(args[i], value, settings.Synthetic);
            if (used > 0)
            {
                i += used - 1;
                continue;
            }

            switch (args[i])
            {
                case "--minutes" when value is not null:
                    settings.Duration = TimeSpan.FromMinutes(double.Parse(value, CultureInfo.InvariantCulture));
                    i++;
                    break;
                case "--rate" when value is not null:
                    settings.Rate = double.Parse(value, CultureInfo.InvariantCulture);
                    i++;
                    break;
                case "--outage-every" when value is not null:
                    settings.OutageEvery = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                    i++;
                    break;
                case "--outage-for" when value is not null:
                    settings.OutageFor = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"soak: unknown or incomplete argument '{args[i]}'");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (settings.Rate <= 0 || settings.Duration <= TimeSpan.Zero || settings.OutageFor < TimeSpan.Zero || settings.OutageEvery < TimeSpan.Zero
            || (settings.OutageEvery > TimeSpan.Zero && settings.OutageFor >= settings.OutageEvery))
        {
            Console.Error.WriteLine("soak: --minutes and --rate must be positive, and an outage shorter than its period");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        // A short run still gets a few samples past its warm-up.
        settings.WarmUp = TimeSpan.FromTicks(Math.Min(settings.WarmUp.Ticks, settings.Duration.Ticks / 5));
        var pipeline = settings.Pipeline;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {settings.Duration.TotalMinutes:0.##} min at {settings.Rate:0.##} posts/s ({SoakSource.PlannedFor(settings.Rate, settings.Duration)} posts), {(settings.OutageEvery > TimeSpan.Zero && settings.OutageFor > TimeSpan.Zero ? $"outage {settings.OutageFor.TotalSeconds:0.#} s every {settings.OutageEvery.TotalSeconds:0.#} s" : "no outages")}, pipeline defaults: {pipeline.MaxAttempts} attempts, circuit break {pipeline.CircuitBreakDuration.TotalSeconds:0.#} s, on exhaustion {pipeline.OnRetriesExhausted}, {SyntheticArguments.Describe(settings.Synthetic)}"));

        // Ctrl+C stops the producer; what it published is still delivered and counted.
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = await SoakRun.RunAsync(settings, TimeProvider.System, Console.Out, stop.Token);
            Console.WriteLine(result.Summary());
            return result.Passed ? 0 : 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
