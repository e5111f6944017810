using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TweetStream.Dashboard;

/// <summary>
/// CSV export of the filtered range: streamed page by page (keyset, the range's upper bound fixed at the start), at
/// most <see cref="DashboardOptions.MaxExportRows"/> rows, RFC 4180 quoting and no cell a spreadsheet would run as a formula.
/// </summary>
internal static class DashboardExport
{
    public static async Task<IResult> Export(HttpContext context, IPostStore store, IOptions<DashboardOptions> options, TimeProvider time)
    {
        var o = options.Value;
        var query = context.Request.Query;
        if (!DashboardEndpoints.TryReadRange(query, o, time, out var from, out var to, out var error)
            || !DashboardEndpoints.TryReadFilter(query, out var filter, out error))
        {
            return DashboardEndpoints.BadQuery(error);
        }

        var cancellationToken = context.RequestAborted;
        var pageSize = Math.Min(o.MaxPageSize, o.MaxExportRows);
        var page = await store.QueryAsync(new PostQuery(from, to, 1, pageSize) { Filter = filter }, cancellationToken).ConfigureAwait(false);

        // The first page carries the range's total, so truncation is known before the body starts.
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"tweetstream-" +
            from.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture) + "-" +
            to.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture) + ".csv\"";
        response.Headers["X-Total-Count"] = page.TotalCount.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Export-Truncated"] = page.TotalCount > o.MaxExportRows ? "true" : "false";

        var writer = new StreamWriter(response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync("created_at,id,source,author_hash,text,hashtags,matched_rules,redacted_types\r\n").ConfigureAwait(false);
            var written = 0;
            while (true)
            {
                foreach (var post in page.Items)
                {
                    if (written >= o.MaxExportRows)
                    {
                        break;
                    }

                    var dto = PostDto.From(post);
                    var line = new StringBuilder(256);
                    Cell(line, dto.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(',');
                    Cell(line, dto.Id).Append(',');
                    Cell(line, dto.Source).Append(',');
                    Cell(line, dto.Author).Append(',');
                    Cell(line, dto.Text).Append(',');
                    Cell(line, string.Join(' ', post.Hashtags)).Append(',');
                    Cell(line, string.Join(' ', dto.MatchedRules)).Append(',');
                    Cell(line, string.Join(' ', dto.PiiTypes)).Append("\r\n");
                    await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                    written++;
                }

                if (written >= o.MaxExportRows || page.Next is not { } next)
                {
                    break;
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                page = await store.QueryAsync(
                    new PostQuery(from, to, 1, Math.Min(pageSize, o.MaxExportRows - written)) { Filter = filter, After = next },
                    cancellationToken).ConfigureAwait(false);
            }
        }

        return Results.Empty;
    }

    /// <summary>
    /// Appends one quoted cell. A value a spreadsheet would read as a formula (<c>= + - @</c>, tab or carriage
    /// return first) gets a leading apostrophe, as OWASP advises, so it opens as text.
    /// </summary>
    internal static StringBuilder Cell(StringBuilder line, string value)
    {
        line.Append('"');
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            line.Append('\'');
        }

        line.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        return line.Append('"');
    }
}
