using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TweetStream.Gcp.Dlp;
using TweetStream.Gcp.Tests.Support;
using TweetStream.Tests.Support;
using TweetStream.Transforms.Hashing;
using static TweetStream.Gcp.Tests.Support.DlpTestKit;

namespace TweetStream.Gcp.Tests.Dlp;

public sealed class DlpRedactionTransformTests : IAsyncLifetime
{
    // Canaries the local redactor recognises too, so they must vanish whichever path a batch takes.
    private static readonly string[] Canaries =
    [
        "canary.one@example.com",
        "07700 900123",
        "AB123456C",
        "4111 1111 1111 1111",
        "GB29 NWBK 6016 1331 9268 19",
        "canaryhandle",
    ];

    private DlpTestServer _server = null!;

    public async Task InitializeAsync() => _server = await DlpTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string CanaryText(int i) => (i % 6) switch
    {
        0 => $"post {i}: mail canary.one@example.com please",
        1 => $"post {i}: ring 07700 900123 after six",
        2 => $"post {i}: my NI is AB123456C oops",
        3 => $"post {i}: card 4111 1111 1111 1111 found on the tube",
        4 => $"post {i}: pay GB29 NWBK 6016 1331 9268 19 today",
        _ => $"post {i}: thanks @canaryhandle for the tip",
    };

    [Fact]
    public async Task Many_posts_become_one_request_and_each_row_gets_its_own_types()
    {
        using var transform = Transform(_server, Options(_server));
        var posts = Enumerable.Range(0, 300).Select(i => Post(i, i % 3 == 0 ? $"post {i} from alice{i}@example.com" : $"post {i} about the weather in #london")).ToList();

        var result = await ApplyAsync(transform, posts);

        var request = Assert.Single(_server.DeidentifyRequests);
        Assert.Equal(200, request.StatusCode);
        Assert.Equal(300, DlpTestServer.RowCount(request));
        Assert.EndsWith("/v2/projects/test-project/locations/europe-west2/content:deidentify", request.Path, StringComparison.Ordinal);
        Assert.Equal("Bearer test-token", request.Authorization);
        for (var i = 0; i < 300; i++)
        {
            if (i % 3 == 0)
            {
                Assert.Equal($"post {i} from [EMAIL]", result[i].Text);
                Assert.Equal(["EMAIL"], result[i].PiiTypes);
            }
            else
            {
                Assert.Equal(posts[i].Text, result[i].Text);
                Assert.Empty(result[i].PiiTypes);
            }
        }
    }

    [Fact]
    public async Task A_batch_over_the_configured_size_is_split_into_requests_under_it()
    {
        using var transform = Transform(_server, Options(_server, o => o.MaxRequestBytes = 8192));
        var posts = Enumerable.Range(0, 300).Select(i => Post(i, $"post {i} from bob{i}@example.org with some padding text to make it longer")).ToList();

        var result = await ApplyAsync(transform, posts);

        var requests = _server.DeidentifyRequests.ToList();
        Assert.True(requests.Count > 1, "the batch was split");
        Assert.All(requests, r => Assert.Equal(200, r.StatusCode));
        Assert.All(requests, r => Assert.InRange(r.BodyBytes, 1, 8192));
        Assert.Equal(300, requests.Sum(DlpTestServer.RowCount));
        Assert.All(result, p => Assert.DoesNotContain("@example.org", p.Text, StringComparison.Ordinal));
        Assert.Equal(0, transform.FallbackPosts);
    }

    [Fact]
    public async Task A_request_the_server_rejects_as_too_large_is_halved_and_retried()
    {
        _server.MaxRequestBytes = 20_000;
        using var transform = Transform(_server, Options(_server));
        var posts = Enumerable.Range(0, 600).Select(i => Post(i, $"post {i} ring 07700 900{i % 1000:000} about the fireworks on the river tonight")).ToList();

        var result = await ApplyAsync(transform, posts);

        var requests = _server.DeidentifyRequests.ToList();
        Assert.Contains(requests, r => r.StatusCode == 400);
        Assert.All(requests.Where(r => r.StatusCode == 200), r => Assert.InRange(r.BodyBytes, 1, 20_000));
        Assert.Equal(600, requests.Where(r => r.StatusCode == 200).Sum(DlpTestServer.RowCount));
        Assert.Equal(0, transform.FallbackPosts);
        Assert.All(result, p => Assert.Contains("[PHONE]", p.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quota_exhaustion_falls_back_to_local_redaction_and_no_raw_PII_reaches_the_sink()
    {
        _server.InjectFault(Fault.Http(429, "RESOURCE_EXHAUSTED", "rateLimitExceeded"), times: 100);
        using var transform = Transform(_server, Options(_server));
        var sink = new CollectingSink();
        var source = new InMemorySource();
        for (var i = 0; i < 120; i++)
        {
            source.Add(Post(i, CanaryText(i)), i);
        }

        source.Complete();

        var stats = await CreatePipeline(source, transform, sink, batchSize: 50).RunAsync(CancellationToken.None);

        Assert.Equal(120, stats.Written);
        Assert.Equal(120, transform.FallbackPosts);
        Assert.All(_server.DeidentifyRequests, r => Assert.Equal(429, r.StatusCode));
        Assert.Equal(3, _server.DeidentifyRequests.Count()); // one per batch: 429 is not retried by the transport
        foreach (var post in sink.Committed)
        {
            Assert.All(Canaries, canary => Assert.DoesNotContain(canary, post.Text, StringComparison.Ordinal));
            Assert.NotEmpty(post.PiiTypes);
        }

        Assert.Contains(sink.Committed, p => p.Text.Contains("[EMAIL]", StringComparison.Ordinal) && p.PiiTypes.Contains("EMAIL"));
        Assert.Contains(sink.Committed, p => p.PiiTypes.Contains("MENTION") && p.Text.Contains("@k1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Real_quota_exhaustion_from_the_server_also_falls_back_without_leaking()
    {
        _server.QuotaPerMinute = 1;
        using var transform = Transform(_server, Options(_server));
        var sink = new CollectingSink();
        var source = new InMemorySource();
        for (var i = 0; i < 100; i++)
        {
            source.Add(Post(i, CanaryText(i)), i);
        }

        source.Complete();

        await CreatePipeline(source, transform, sink, batchSize: 25).RunAsync(CancellationToken.None);

        Assert.Contains(_server.DeidentifyRequests, r => r.StatusCode == 200);
        Assert.Contains(_server.DeidentifyRequests, r => r.StatusCode == 429);
        Assert.True(transform.FallbackPosts >= 25);
        Assert.Equal(100, sink.Committed.Count);
        Assert.All(sink.Committed, p => Assert.All(Canaries, c => Assert.DoesNotContain(c, p.Text, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Held_mode_throws_transient_so_the_pipeline_retries_and_then_succeeds_with_DLP()
    {
        _server.InjectFault(Fault.Http(503, "UNAVAILABLE"));
        _server.InjectFault(Fault.Http(429, "RESOURCE_EXHAUSTED"));
        using var transform = Transform(_server, Options(_server, o => o.OnFailure = DlpFailurePolicy.Hold));
        var sink = new CollectingSink();
        var deadLetters = new CollectingDeadLetterSink();
        var source = new InMemorySource();
        for (var i = 0; i < 30; i++)
        {
            source.Add(Post(i, CanaryText(i)), i);
        }

        source.Complete();

        var stats = await CreatePipeline(source, transform, sink, deadLetters).RunAsync(CancellationToken.None);

        Assert.Equal(30, stats.Written);
        Assert.True(stats.Retries >= 2, "the pipeline retried the held batch");
        Assert.Empty(deadLetters.Items);
        Assert.Equal(0, transform.FallbackPosts);
        Assert.Equal([503, 429, 200], _server.DeidentifyRequests.Select(r => r.StatusCode));
        Assert.All(sink.Committed, p => Assert.All(Canaries, c => Assert.DoesNotContain(c, p.Text, StringComparison.Ordinal)));

        // Held batches restart from raw text: a mention is hashed once, not hashed again on the retry.
        var hasher = new HandleHasher(Key);
        Assert.Contains(sink.Committed, p => p.Text.Contains("@" + hasher.Hash("canaryhandle") + " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_held_batch_changes_no_post_even_when_its_first_requests_succeeded()
    {
        using var transform = Transform(_server, Options(_server, o =>
        {
            o.OnFailure = DlpFailurePolicy.Hold;
            o.MaxRequestBytes = 4096;
        }));
        var posts = Enumerable.Range(0, 120).Select(i => Post(i, $"post {i} to @canaryhandle at lee{i}@example.com, padded out to use the request space")).ToList();
        var items = posts.Select(p => new TweetStream.Pipeline.PipelineItem(SourceItem.ForPost(p, p.Text.Length))).ToList();
        _server.InjectFault(Fault.Http(503, "UNAVAILABLE"), afterRequests: 1); // the first request succeeds

        await Assert.ThrowsAsync<TransientException>(async () =>
        {
            await transform.ApplyAsync(new TransformBatch(items), CancellationToken.None);
        });

        Assert.Equal([200, 503], _server.DeidentifyRequests.Select(r => r.StatusCode));
        Assert.Equal(posts, items.Select(i => i.Post)); // mentions of the retried batch are hashed once, from raw text
    }

    [Fact]
    public async Task Server_errors_are_retried_by_the_transport_only_where_the_contract_allows()
    {
        _server.InjectFault(Fault.Http(503, "UNAVAILABLE"));
        _server.InjectFault(Fault.Http(504, "DEADLINE_EXCEEDED"));
        using var transform = Transform(_server, Options(_server, o => o.MaxAttempts = 3));

        var result = await ApplyAsync(transform, [Post(1, "write to carol@example.com")]);

        Assert.Equal([503, 504, 200], _server.DeidentifyRequests.Select(r => r.StatusCode));
        Assert.Equal("write to [EMAIL]", result[0].Text);

        _server.InjectFault(Fault.Http(500, "INTERNAL"));
        result = await ApplyAsync(transform, [Post(2, "write to dave@example.com")]);

        Assert.Equal(500, _server.DeidentifyRequests.Last().StatusCode); // INTERNAL is not in DLP's retry set
        Assert.Equal(1, transform.FallbackPosts);
        Assert.Equal("write to [EMAIL]", result[0].Text);
    }

    [Fact]
    public async Task A_timeout_falls_back_to_local_redaction()
    {
        // The server never answers in time whatever the machine's pace: only the client's deadline ends the call.
        _server.InjectFault(new Fault(Delay: TimeSpan.FromHours(1)));
        using var transform = Transform(_server, Options(_server, o => o.Timeout = TimeSpan.FromSeconds(1)));

        var result = await ApplyAsync(transform, [Post(1, "mail canary.one@example.com now")]);

        Assert.Equal("mail [EMAIL] now", result[0].Text);
        Assert.Equal(1, transform.FallbackPosts);
    }

    [Fact]
    public async Task The_request_carries_exactly_the_configured_infoTypes_and_likelihood()
    {
        using var transform = Transform(_server, Options(_server, o =>
        {
            o.InfoTypes = ["EMAIL_ADDRESS", "PHONE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER"];
            o.MinLikelihood = "LIKELY";
            o.UkPostcodes = false;
            o.UkBankAndVehicleDetectors = false;
        }));

        var result = await ApplyAsync(transform, [Post(1, "erin@example.com 07700 900456 AB123456C 943 476 5919 SE1 7PB")]);

        var body = Assert.Single(_server.DeidentifyRequests).Body!.Value;
        var inspect = body.GetProperty("inspectConfig");
        Assert.Equal(["EMAIL_ADDRESS", "PHONE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER"], inspect.GetProperty("infoTypes").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("LIKELY", inspect.GetProperty("minLikelihood").GetString());
        Assert.False(inspect.TryGetProperty("customInfoTypes", out _));
        var transformed = body.GetProperty("deidentifyConfig").GetProperty("infoTypeTransformations").GetProperty("transformations").EnumerateArray()
            .SelectMany(t => t.GetProperty("infoTypes").EnumerateArray().Select(i => i.GetProperty("name").GetString())).Order(StringComparer.Ordinal);
        Assert.Equal(["EMAIL_ADDRESS", "PHONE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER"], transformed);

        // NHS (POSSIBLE in the double) stays below LIKELY; postcodes were not asked for.
        Assert.Equal("[EMAIL] [PHONE] [NINO] 943 476 5919 SE1 7PB", result[0].Text);
        Assert.Equal(["EMAIL", "NINO", "PHONE"], result[0].PiiTypes);
    }

    [Fact]
    public async Task The_default_set_is_UK_focused_with_a_custom_postcode_regex()
    {
        using var transform = Transform(_server, Options(_server));

        var result = await ApplyAsync(transform, [Post(1, "Alice Smith lives at 221 Baker Street, NW1 6XE, NHS 943 476 5919, passport 123456789")]);

        var inspect = Assert.Single(_server.DeidentifyRequests).Body!.Value.GetProperty("inspectConfig");
        Assert.Equal(DlpInfoTypes.Default, inspect.GetProperty("infoTypes").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
        Assert.Equal(
            ["UK_POSTCODE", "UK_SORT_CODE", "UK_BANK_ACCOUNT_NUMBER", "UK_VEHICLE_REGISTRATION"],
            inspect.GetProperty("customInfoTypes").EnumerateArray().Select(c => c.GetProperty("infoType").GetProperty("name").GetString()!));
        Assert.Equal("POSSIBLE", inspect.GetProperty("minLikelihood").GetString());
        Assert.Equal("[PERSON] lives at [ADDRESS], [POSTCODE], NHS [NHS], passport [PASSPORT]", result[0].Text);
        Assert.Equal(["ADDRESS", "NHS", "PASSPORT", "PERSON", "POSTCODE"], result[0].PiiTypes);
    }

    [Theory]
    [InlineData("sort code 20-00-00 acc 12345678 for the kitty")]
    [InlineData("Car reg LK19 ZXP parked across my drive")]
    [InlineData("The GP shouted my DOB 14/03/1987 across the room")]
    [InlineData("Lost my passport, passport no. 925374810, please RT")]
    [InlineData("Found a driving licence: MORGA753116SM9IJ, DM me")]
    [InlineData("Party at 42 Elmore Street on Saturday")]
    [InlineData("s/c 83-91-12 a/c 10284756, reg plate FN09 CVU, born 02/05/2009")]
    public async Task The_new_uk_types_read_the_same_redacted_by_DLP_as_by_the_local_redactor(string text)
    {
        using var transform = Transform(_server, Options(_server));
        var local = new TweetStream.Transforms.Pii.PiiRedactor(new RedactPiiOptions { HashMentions = false }).Redact(text);

        var result = await ApplyAsync(transform, [Post(1, text)]);

        Assert.Equal(200, Assert.Single(_server.DeidentifyRequests).StatusCode);
        Assert.Equal(0, transform.FallbackPosts);
        Assert.NotEqual(text, local.Text);
        Assert.Equal(local.Text, result[0].Text);
        Assert.Equal(local.Types, result[0].PiiTypes);
    }

    [Fact]
    public async Task InfoType_names_style_reads_like_DLP_and_still_reports_local_type_names()
    {
        using var transform = Transform(_server, Options(_server, o => o.Replacement = DlpReplacementStyle.InfoTypeNames));

        var result = await ApplyAsync(transform, [Post(1, "mail frank@example.com, I wrote [PHONE_NUMBER] myself")]);

        var transformation = Assert.Single(_server.DeidentifyRequests.Single().Body!.Value
            .GetProperty("deidentifyConfig").GetProperty("infoTypeTransformations").GetProperty("transformations").EnumerateArray());
        Assert.True(transformation.GetProperty("primitiveTransformation").TryGetProperty("replaceWithInfoTypeConfig", out _));
        Assert.Equal("mail [EMAIL_ADDRESS], I wrote [PHONE_NUMBER] myself", result[0].Text);
        Assert.Equal(["EMAIL"], result[0].PiiTypes); // a marker the author typed is not a finding
    }

    [Fact]
    public async Task Redactions_are_counted_per_type_on_the_pipelines_instrument_whichever_path_ran()
    {
        var metrics = Metrics();
        var counted = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.Redacted))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "type")
                {
                    counted.AddOrUpdate((string)tag.Value!, value, (_, n) => n + value);
                }
            }
        });
        listener.Start();
        using var transform = Transform(_server, Options(_server), metrics: metrics);

        await ApplyAsync(transform, [Post(1, "a@example.com b@example.com @someone"), Post(2, "ring 07700 900123")]);
        _server.InjectFault(Fault.Http(429, "RESOURCE_EXHAUSTED"));
        await ApplyAsync(transform, [Post(3, "c@example.com")]);

        Assert.Equal(3, counted["EMAIL"]); // two from DLP, one from the local fallback
        Assert.Equal(1, counted["PHONE"]);
        Assert.Equal(1, counted["MENTION"]);
    }

    [Fact]
    public async Task Mentions_are_hashed_before_the_text_leaves_the_process()
    {
        using var transform = Transform(_server, Options(_server));

        var result = await ApplyAsync(transform, [Post(1, "cc @SomeOne and @canaryhandle")]);

        var sent = Assert.Single(_server.DeidentifyRequests).Body!.Value.GetRawText();
        Assert.DoesNotContain("canaryhandle", sent, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SomeOne", sent, StringComparison.OrdinalIgnoreCase);
        var hasher = new HandleHasher(Key);
        Assert.Equal($"cc @{hasher.Hash("someone")} and @{hasher.Hash("canaryhandle")}", result[0].Text);
        Assert.Equal(["MENTION"], result[0].PiiTypes);
    }

    [Fact]
    public async Task A_response_at_the_findings_cap_is_split_so_nothing_is_left_untransformed()
    {
        using var transform = Transform(_server, Options(_server));
        var posts = Enumerable.Range(0, 1600).Select(i => Post(i, $"a{i}@one.example b{i}@two.example")).ToList();

        var result = await ApplyAsync(transform, posts);

        Assert.All(result, p => Assert.Equal("[EMAIL] [EMAIL]", p.Text));
        Assert.True(_server.DeidentifyRequests.Count() >= 3, "the capped response was redone in halves");
        Assert.Equal(0, transform.FallbackPosts);
    }

    [Fact]
    public async Task A_single_post_over_the_request_limit_is_redacted_locally_without_a_request()
    {
        using var transform = Transform(_server, Options(_server, o => o.MaxRequestBytes = 4096));

        var result = await ApplyAsync(transform, [Post(1, new string('x', 5000) + " grace@example.com"), Post(2, "henry@example.com")]);

        Assert.EndsWith(" [EMAIL]", result[0].Text, StringComparison.Ordinal);
        Assert.Equal("[EMAIL]", result[1].Text);
        Assert.Equal(1, transform.FallbackPosts);
        Assert.Equal(1, DlpTestServer.RowCount(Assert.Single(_server.DeidentifyRequests)));
    }

    [Fact]
    public async Task A_rejected_configuration_holds_batches_with_a_clear_message()
    {
        using var transform = Transform(_server, Options(_server, o =>
        {
            o.InfoTypes = ["NOT_A_REAL_TYPE"];
            o.ValidateAtStartup = true;
        }));
        var posts = new[] { Post(1, "ivy@example.com") };

        var error = await Assert.ThrowsAsync<DlpConfigurationException>(() => transform.EnsureValidatedAsync(CancellationToken.None));
        Assert.Contains("NOT_A_REAL_TYPE", error.Message, StringComparison.Ordinal);
        Assert.Contains("roles/dlp.user", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TransientException>(() => ApplyAsync(transform, posts));
        Assert.Single(_server.DeidentifyRequests); // the verdict is kept, not asked again per batch
    }

    [Fact]
    public async Task An_accepted_configuration_is_checked_once_with_a_one_row_request()
    {
        using var transform = Transform(_server, Options(_server, o => o.ValidateAtStartup = true));

        await ApplyAsync(transform, [Post(1, "jack@example.com")]);
        await ApplyAsync(transform, [Post(2, "kate@example.com")]);

        Assert.Equal([1, 1, 1], _server.DeidentifyRequests.Select(DlpTestServer.RowCount));
        Assert.Contains("configuration check", _server.DeidentifyRequests.First().Body!.Value.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_are_paced_under_the_per_minute_quota_on_the_clock()
    {
        var time = new WatchedFakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await DlpTestServer.StartAsync(time);
        server.QuotaPerMinute = 2;
        using var transform = Transform(server, Options(server, o => o.RequestsPerMinute = 2), time);

        await ApplyAsync(transform, [Post(1, "a@example.com")]);
        await ApplyAsync(transform, [Post(2, "b@example.com")]);
        var third = ApplyAsync(transform, [Post(3, "c@example.com")]);

        // The event itself: the third request waits a whole window on the clock (a sent one would have met a 429 below).
        await Patience.UntilAsync(() => time.TimerDueTimes.Contains(TimeSpan.FromSeconds(60)), "the third request to wait for the quota window");
        Assert.False(third.IsCompleted);
        Assert.Equal(2, server.DeidentifyRequests.Count());

        time.Advance(TimeSpan.FromSeconds(60));
        var result = await third;

        Assert.Equal("[EMAIL]", result[0].Text);
        Assert.All(server.DeidentifyRequests, r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public void Regional_endpoint_and_location_shape_the_address()
    {
        var options = new DlpRedactionOptions { ProjectId = "p1", Location = "europe-west2", UseRegionalEndpoint = true };
        Assert.Equal("https://dlp.europe-west2.rep.googleapis.com/", DlpClientFactory.ResolveBaseAddress(options).AbsoluteUri);
        Assert.Equal("https://dlp.googleapis.com/", DlpClientFactory.ResolveBaseAddress(new DlpRedactionOptions { ProjectId = "p1" }).AbsoluteUri);
    }

    [Fact]
    public void The_encoder_counts_request_bytes_exactly()
    {
        var encoder = new DlpRequestEncoder(new DlpRedactionOptions { ProjectId = "p1" });
        string[] texts = ["plain", "quotes \" and \\ and \n newline", "émoji 😀 and ünïcode", "<script>&amp;"];
        var rows = texts.Select(DlpRequestEncoder.EncodeText).ToList();

        var body = encoder.Encode(rows);

        Assert.Equal(encoder.FixedBytes + rows.Sum(DlpRequestEncoder.RowBytes) - 1, body.Length); // n rows, n-1 commas
        using var json = JsonDocument.Parse(body);
        Assert.Equal(texts, json.RootElement.GetProperty("item").GetProperty("table").GetProperty("rows").EnumerateArray()
            .Select(r => r.GetProperty("values")[0].GetProperty("stringValue").GetString()));
        Assert.Null(DiscoverySchemas.Dlp.Validate("GooglePrivacyDlpV2DeidentifyContentRequest", json.RootElement));
    }
}
