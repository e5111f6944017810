using TweetStream.Function;

// Pub/Sub push endpoint (wrapped JSON or CloudEvents) → hash → configured sinks; listens on PORT (default 8080).
var app = FunctionApp.Create(args);
await app.RunAsync();
