using System.Globalization;
using System.Text.Json;

namespace TweetStream.Gcp.BigQuery;

/// <summary>Reads posts from the BigQuery table by date range (jobs.query, GoogleSQL, named parameters, partition filter).</summary>
/// <remarks>Thread-safe. Each call is one query job; results are deduplicated by id and deleted posts are excluded (see <see cref="BigQuerySql"/>).</remarks>
internal sealed class BigQueryQueryStore : IPostStore
{
    private readonly BigQueryApi _api;
    private readonly BigQueryQueryRunner _runner;
    private readonly int _maxPageSize;

    public BigQueryQueryStore(BigQueryApi api, BigQueryQueryRunner runner, int maxPageSize = 500)
    {
        _api = api;
        _runner = runner;
        _maxPageSize = maxPageSize;
    }

    public async ValueTask<PostPage> QueryAsync(PostQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1);
        var pageSize = Math.Min(query.PageSize, _maxPageSize);
        var offset = (long)(query.Page - 1) * pageSize;
        var range = Range(query.From, query.To, query.Filter, out var search);
        var (schema, rows, _) = await _runner.RunAsync(
            BigQuerySql.For(search ? BigQuerySql.PageSearch : BigQuerySql.Page, _api.QualifiedTable),
            [
                .. range,
                // Without a cursor the keyset condition reads "created_at < @to", which the range already holds.
                BigQueryQueryRunner.Timestamp("after_at", query.After?.CreatedAt ?? query.To),
                BigQueryQueryRunner.String("after_id", query.After?.Id ?? string.Empty),
                BigQueryQueryRunner.Int64("limit", pageSize),
                BigQueryQueryRunner.Int64("offset", offset),
            ],
            cancellationToken).ConfigureAwait(false);

        var columns = Columns(schema);
        var items = new List<Post>(rows.Count);
        long total = 0;
        foreach (var row in rows)
        {
            var cells = row.F ?? [];
            items.Add(ReadPost(cells, columns));
            total = ParseInt64(Cell(cells, columns, "total_count"));
        }

        if (rows.Count == 0 && (offset > 0 || query.After is not null))
        {
            var (countSchema, countRows, _) = await _runner.RunAsync(
                BigQuerySql.For(search ? BigQuerySql.CountSearch : BigQuerySql.Count, _api.QualifiedTable),
                range,
                cancellationToken).ConfigureAwait(false);
            total = countRows.Count > 0 ? ParseInt64(Cell(countRows[0].F ?? [], Columns(countSchema), "total_count")) : 0;
        }

        return new PostPage(items, total, query.Page, pageSize);
    }

    public async ValueTask<PostStatistics> GetStatisticsAsync(PostStatisticsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var range = Range(query.From, query.To, query.Filter, out var search);
        var (schema, rows, _) = await _runner.RunAsync(
            BigQuerySql.For(search ? BigQuerySql.StatisticsSearch : BigQuerySql.Statistics, _api.QualifiedTable),
            [
                .. range,
                BigQueryQueryRunner.Int64("shift", query.HourOffset.Ticks / 10),
                BigQueryQueryRunner.Int64("top", Math.Clamp(query.TopHashtags, 0, 100)),
            ],
            cancellationToken).ConfigureAwait(false);
        var columns = Columns(schema);
        var hours = new List<KeyValuePair<DateTimeOffset, long>>();
        var types = new Dictionary<string, long>(StringComparer.Ordinal);
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        var tags = new List<KeyValuePair<string, long>>();
        foreach (var row in rows)
        {
            var cells = row.F ?? [];
            var key = Cell(cells, columns, "k").GetString() ?? string.Empty;
            var n = ParseInt64(Cell(cells, columns, "n"));
            switch (Cell(cells, columns, "kind").GetString())
            {
                case "hour":
                    hours.Add(new(DateTimeOffset.UnixEpoch.AddTicks(long.Parse(key, NumberStyles.Integer, CultureInfo.InvariantCulture) * 10), n));
                    break;
                case "source":
                    sources[key] = n;
                    break;
                case "tag":
                    tags.Add(new(key, n));
                    break;
                default:
                    types[key] = n;
                    break;
            }
        }

        hours.Sort((a, b) => a.Key.CompareTo(b.Key));
        // UNION ALL keeps no order: sort the top hashtags as the statement ranked them.
        tags.Sort((a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        return new PostStatistics(hours, types) { PostsBySource = sources, TopHashtags = tags };
    }

    /// <summary>@from, @to and the filter's parameters (see <see cref="BigQuerySql.FilterParameters"/>), and @words when the filter searches.</summary>
    private static List<BqQueryParameter> Range(DateTimeOffset from, DateTimeOffset to, PostFilter? filter, out bool search)
    {
        List<BqQueryParameter> parameters =
        [
            BigQueryQueryRunner.Timestamp("from", from),
            BigQueryQueryRunner.Timestamp("to", to),
            BigQueryQueryRunner.String("source", filter?.Source?.Trim() ?? string.Empty),
            BigQueryQueryRunner.String("hashtag", filter?.Hashtag?.Trim().TrimStart('#') ?? string.Empty),
            BigQueryQueryRunner.String("pii_type", filter?.RedactionType?.Trim() ?? string.Empty),
        ];
        var words = filter?.Words() ?? [];
        search = words.Count > 0;
        if (search)
        {
            parameters.Add(BigQueryQueryRunner.StringArray("words", words));
        }

        return parameters;
    }

    private static Dictionary<string, int> Columns(BqTableSchema schema)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < schema.Fields.Count; i++)
        {
            columns[schema.Fields[i].Name] = i;
        }

        return columns;
    }

    private static JsonElement Cell(List<BqQueryCell> cells, Dictionary<string, int> columns, string name) =>
        columns.TryGetValue(name, out var i) && i < cells.Count ? cells[i].V : default;

    private static Post ReadPost(List<BqQueryCell> cells, Dictionary<string, int> columns)
    {
        var handle = Text(Cell(cells, columns, "author_hash")) ?? string.Empty;
        return new Post
        {
            Id = Text(Cell(cells, columns, "id")) ?? string.Empty,
            Source = Text(Cell(cells, columns, "source")) ?? string.Empty,
            CreatedAt = Timestamp(Cell(cells, columns, "created_at")) ?? default,
            ReceivedAt = Timestamp(Cell(cells, columns, "received_at")) ?? default,
            Author = handle.Length == 0 ? PostAuthor.Unknown : new PostAuthor(string.Empty, handle) { IsHashed = true },
            Text = Text(Cell(cells, columns, "text")) ?? string.Empty,
            Language = Text(Cell(cells, columns, "lang")),
            Hashtags = Repeated(Cell(cells, columns, "hashtags")),
            MatchedRules = Repeated(Cell(cells, columns, "matched_rules")),
            Url = Text(Cell(cells, columns, "url")),
            PiiTypes = Repeated(Cell(cells, columns, "pii_types")),
        };
    }

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>int64 values arrive as strings (proto3 JSON); numbers are accepted too.</summary>
    internal static long ParseInt64(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => long.Parse(value.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetInt64(),
        _ => 0,
    };

    /// <summary>µs since the epoch with <c>useInt64Timestamp</c>; the classic float-seconds form is accepted too.</summary>
    internal static DateTimeOffset? Timestamp(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros))
        {
            return DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * 1_000_000) * 10)
            : null;
    }

    private static string[] Repeated(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            var inner = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("v", out var v) ? v : item;
            if (inner.ValueKind == JsonValueKind.String)
            {
                list.Add(inner.GetString()!);
            }
        }

        return [.. list];
    }
}
