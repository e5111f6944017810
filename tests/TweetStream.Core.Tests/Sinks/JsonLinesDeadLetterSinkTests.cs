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
    public async Task Dead_letters_written_while_a_flush_runs_return_after_the_next_flush_which_covers_them_all()
    {
        // A stream with a malformed line in every few hundred dead-letters a line or two in most batches, and each
        // batch wrote them to disk with a flush of its own: about half of the worker's flushes.
        using var dir = TestPaths.CreateTempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        using var flushes = new HeldFirstFlush();
        using var sink = new JsonLinesDeadLetterSink(new DeadLetterOptions { Directory = dir.Path }, time, new TestKeyProvider(), flushes.Flush);
        var path = dir.Combine("deadletters-2026-11-26.jsonl");
        Task Write(int i) => sink.WriteAsync(
            [new DeadLetter($"malformed {i}", "source:x", "x", null, time.GetUtcNow(), RawWithHandle, DeadLetterPayloadKind.Raw)], default).AsTask();

        await flushes.WriteFourAcrossTheHeldFlushAsync(Write, path, "the four dead-letter writes");

        Assert.Equal(["malformed 1", "malformed 2", "malformed 3", "malformed 4"], ReadRecords(path).Select(r => r.GetProperty("reason").GetString()).Order());
    }

    [Fact]
    public async Task A_failed_flush_fails_the_dead_letter_write_and_the_next_flush_takes_its_file_again()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var calls = 0;
        using var sink = new JsonLinesDeadLetterSink(new DeadLetterOptions { Directory = dir.Path }, time, new TestKeyProvider(), (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new IOException("injected: the disk went away");
            }
        });
        DeadLetter[] letter = [new DeadLetter("malformed", "source:x", "x", null, time.GetUtcNow(), RawWithHandle, DeadLetterPayloadKind.Raw)];

        // The pipeline retries a dead-letter write that throws and acknowledges nothing until one succeeds.
        var failed = await Assert.ThrowsAsync<IOException>(() => sink.WriteAsync(letter, default).AsTask());
        Assert.Contains("injected", failed.Message, StringComparison.Ordinal);
        await sink.WriteAsync(letter, default);

        Assert.Equal(2, calls);
        Assert.Equal(2, File.ReadAllLines(dir.Combine("deadletters-2026-11-26.jsonl")).Length);
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
