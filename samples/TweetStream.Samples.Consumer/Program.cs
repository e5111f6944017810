using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddTweetStream(pipeline => pipeline
    .AddReplaySource(builder.Configuration.GetSection("Replay"))   // --Replay:Path=posts.ndjson.gz
    .AddHashHandles(o => o.GenerateKeyFile = true)                  // keeps a generated key in data/hashing.key
    .AddRedactPii()
    .AddSink(_ => new PostsCsvSink("posts.csv")));                   // your own sink: one line
builder.Services.StopHostWhenPipelinesComplete();                    // a finite source: exit when it is done
await builder.Build().RunAsync();
