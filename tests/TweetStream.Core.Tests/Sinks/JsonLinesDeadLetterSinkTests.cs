using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Sinks;
using TweetStream.Tests.Sinks.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Tests.Sinks;

public sealed class JsonLinesDeadLetterSinkTests
{
    private static readonly byte[] RawWithHandle =
        Encoding.UTF8.GetBytes("{\"data\":{\"id\":\"1\",\"text\":\"hi\"},\"includes\":{\"users\":[{\"id\":\"9\",\"username\":\"alice_raw_handle\"}]");

    internal static List<JsonElement> ReadRecords(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Records_reason_stage_and_a_protected_payload_that_round_trips()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var keys = new TestKeyProvider();
        var postJson = PostJson.SerializeToUtf8Bytes(SinkPosts.Hashed(7));
        using (var sink = new JsonLinesDeadLetterSink(new DeadLetterOptions { Directory = dir.Path }, time, keys))
        {
            await sink.WriteAsync(
                [
                    new DeadLetter("unexpected end of JSON", "source:x", "x", null, time.GetUtcNow(), RawWithHandle, DeadLetterPayloadKind.Raw),
                    new DeadLetter("rejected by sink", "sink:sqlite", "x", "x:7", time.GetUtcNow(), postJson, DeadLetterPayloadKind.Post),
                ],
                default);
        }

        var path = dir.Combine("deadletters-2026-11-26.jsonl");
        var records = ReadRecords(path);
        Assert.Equal(2, records.Count);
        Assert.Equal("unexpected end of JSON", records[0].GetProperty("reason").GetString());
        Assert.Equal("source:x", records[0].GetProperty("stage").GetString());
        Assert.Equal("raw", records[0].GetProperty("payload_kind").GetString());
        Assert.False(records[0].TryGetProperty("post_id", out _));
        Assert.Equal("sink:sqlite", records[1].GetProperty("stage").GetString());
        Assert.Equal("x:7", records[1].GetProperty("post_id").GetString());
        Assert.Equal("2026-11-26T12:00:00.000Z", records[1].GetProperty("at").GetString());

        var key = JsonLinesDeadLetterSink.DeriveKey(keys, dir.Path);
        Assert.All(records, r => Assert.Equal(JsonLinesDeadLetterSink.Encrypted, r.GetProperty("payload_encoding").GetString()));
        Assert.Equal(RawWithHandle, JsonLinesDeadLetterSink.Unprotect(key, records[0].GetProperty("payload").GetBytesFromBase64()));
        Assert.Equal(postJson, JsonLinesDeadLetterSink.Unprotect(key, records[1].GetProperty("payload").GetBytesFromBase64()));

        var file = await File.ReadAllBytesAsync(path);
        Assert.Equal(-1, file.AsSpan().IndexOf("alice_raw_handle"u8));
        Assert.False(File.Exists(dir.Combine("deadletters.key")), "the key must come from the hashing key, not a generated file");
    }

    [Fact]
    public async Task SetJsonLinesDeadLetters_uses_the_configured_folder_and_the_hashing_key()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var services = new ServiceCollection();
        services.AddTweetStream(p => p
            .AddHashHandles(o => o.Key = Convert.ToBase64String(TestKeyProvider.Secret))
            .SetJsonLinesDeadLetters(o => o.Directory = dir.Path));
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<IOptionsMonitor<PipelineComponents>>().Get("default").DeadLetters;
        var sink = Assert.IsType<JsonLinesDeadLetterSink>(factory!(provider));
        await sink.WriteAsync([new DeadLetter("bad", "source:x", "x", null, SinkPosts.T0, RawWithHandle, DeadLetterPayloadKind.Raw)], default);
        sink.Dispose();

        var path = Assert.Single(Directory.GetFiles(dir.Path, "deadletters-*.jsonl"));
        var record = Assert.Single(ReadRecords(path));
        var key = JsonLinesDeadLetterSink.DeriveKey(new TestKeyProvider(), dir.Path);
        Assert.Equal(RawWithHandle, JsonLinesDeadLetterSink.Unprotect(key, record.GetProperty("payload").GetBytesFromBase64()));
    }

    [Fact]
    public void SetJsonLinesDeadLetters_rejects_invalid_options_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddTweetStream(p => p.SetJsonLinesDeadLetters(o => o.Directory = string.Empty));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<DeadLetterOptions>>().Get("default"));
    }
}
