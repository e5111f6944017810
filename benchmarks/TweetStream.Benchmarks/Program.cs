using BenchmarkDotNet.Running;
using TweetStream.Benchmarks;

// Commands first; anything else goes to BenchmarkDotNet (e.g. --filter '*Parse*'). Each command's class comment
// gives its arguments and output: pipeline (in-process path into a null sink), generate (synthetic stream), pii-eval
// (redaction accuracy), schema, stages (per-stage cost), soak (fixed rate with outages), publish (Pub/Sub publish
// throughput of the real sink against the tests' strict double on 127.0.0.1), bigquery (insertAll and load-job
// throughput of the real BigQuery sinks against the tests' strict double on 127.0.0.1).
var command = args.Length > 0 ? args[0] : string.Empty;
return command switch
{
    "pipeline" => await PipelineCommand.RunAsync(args[1..]),
    "generate" => GenerateCommand.Run(args[1..]),
    "pii-eval" => PiiEvalCommand.Run(args[1..]),
    "schema" => SchemaCommand.Run(args[1..]),
    "stages" => StagesCommand.Run(args[1..]),
    "soak" => await SoakCommand.RunAsync(args[1..]),
    "publish" => await PublishCommand.RunAsync(args[1..]),
    "bigquery" => await BigQueryCommand.RunAsync(args[1..]),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(PipelineCommand).Assembly).Run(args);
    return 0;
}
