namespace TweetStream.Benchmarks;

/// <summary><c>pipeline --count N</c>: parse → hash → encode into a null sink; prints one summary line.</summary>
internal static class PipelineCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("pipeline: not wired yet");
        return Task.FromResult(1);
    }
}
