using System.Net;
using System.Text;
using System.Text.Json;
using TweetStream.Dashboard.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed class TailTests
{
    [Fact]
    public async Task Tail_delivers_newly_stored_posts_once_each_in_creation_order()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(FakePostStore.Make("x:old", DashboardHost.Now.AddHours(-1), "before connecting"));
        using var client = await host.LoggedInClientAsync();
        await using var tail = await SseReader.OpenAsync(client, "api/tail");

        host.Store.Add(FakePostStore.Make("x:a", DashboardHost.Now.AddSeconds(1), "<script>alert(1)</script>"));
        var first = await tail.NextEventAsync(host);

        Assert.Equal("post", first.Event);
        using (var doc = JsonDocument.Parse(first.Data))
        {
            Assert.Equal("x:a", doc.RootElement.GetProperty("id").GetString());
            Assert.Equal("<script>alert(1)</script>", doc.RootElement.GetProperty("text").GetString());
            Assert.DoesNotContain("<", first.Data, StringComparison.Ordinal);
        }

        // Same timestamp as the last one sent, and a later one: both new, neither repeats x:a.
        host.Store.Add(FakePostStore.Make("x:c", DashboardHost.Now.AddSeconds(3)), FakePostStore.Make("x:b", DashboardHost.Now.AddSeconds(1)));
        var second = await tail.NextEventAsync(host);
        var third = await tail.NextEventAsync(host);

        Assert.Equal(["x:b", "x:c"], new[] { second, third }.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()));
        Assert.Equal("2026-11-26T12:00:03.0000000Z", third.Id);
    }

    [Fact]
    public async Task Tail_resumes_from_the_last_event_id_on_reconnect()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(
            FakePostStore.Make("x:older", DashboardHost.Now.AddMinutes(-20)),
            FakePostStore.Make("x:last-sent", DashboardHost.Now.AddMinutes(-10)),
            FakePostStore.Make("x:missed", DashboardHost.Now.AddMinutes(-5)));
        using var client = await host.LoggedInClientAsync();

        await using var tail = await SseReader.OpenAsync(client, "api/tail", lastEventId: "2026-11-26T11:50:00.0000000Z");
        var boundary = await tail.NextEventAsync(host);
        var next = await tail.NextEventAsync(host);

        // The resume point is inclusive: a post sharing the last timestamp may repeat (the page drops repeats by id),
        // but none is lost.
        Assert.Equal("x:last-sent", JsonDocument.Parse(boundary.Data).RootElement.GetProperty("id").GetString());
        Assert.Equal("x:missed", JsonDocument.Parse(next.Data).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_burst_larger_than_the_batch_sends_the_newest_posts_and_says_how_many_were_skipped()
    {
        await using var host = await DashboardHost.StartAsync(o => o.TailBatchSize = 2);
        using var client = await host.LoggedInClientAsync();
        await using var tail = await SseReader.OpenAsync(client, "api/tail");

        host.Store.Add([.. Enumerable.Range(1, 5).Select(i => FakePostStore.Make("x:" + i, DashboardHost.Now.AddSeconds(i)))]);
        var gap = await tail.NextEventAsync(host);
        var a = await tail.NextEventAsync(host);
        var b = await tail.NextEventAsync(host);

        Assert.Equal("gap", gap.Event);
        Assert.Equal(3, JsonDocument.Parse(gap.Data).RootElement.GetProperty("skipped").GetInt64());
        Assert.Equal(["x:4", "x:5"], new[] { a, b }.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()));
    }

    private sealed record SseEvent(string Event, string Data, string? Id);

    private sealed class SseReader : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;
        private Task<SseEvent?>? _pending;

        private SseReader(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public static async Task<SseReader> OpenAsync(HttpClient client, string path, string? lastEventId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
            Assert.Equal(": tail", await reader.ReadLineAsync());
            return new SseReader(response, reader);
        }

        /// <summary>Moves the fake clock a poll interval at a time until the next event arrives.</summary>
        /// <remarks>The server's delay may not be armed yet when the clock moves, so this keeps moving it; the
        /// real-time wait only paces the loop and bounds a hung test with the shared safety net, it decides nothing.</remarks>
        public async Task<SseEvent> NextEventAsync(DashboardHost host)
        {
            var pending = _pending ??= ReadEventAsync();
            await Patience.UntilAsync(() => pending.IsCompleted, "the next tail event", () => host.Time.Advance(TimeSpan.FromSeconds(2)));
            var result = await _pending ?? throw new InvalidOperationException("stream ended");
            _pending = null;
            return result;
        }

        private async Task<SseEvent?> ReadEventAsync()
        {
            string? name = null, id = null;
            var data = new StringBuilder();
            while (await _reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    if (name is not null || data.Length > 0)
                    {
                        return new SseEvent(name ?? "message", data.ToString(), id);
                    }

                    continue;
                }

                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line["id: ".Length..];
                }
            }

            return null;
        }

        public ValueTask DisposeAsync()
        {
            _response.Dispose();
            _reader.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
