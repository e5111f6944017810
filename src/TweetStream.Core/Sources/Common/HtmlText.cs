using System.Net;
using System.Text;

namespace TweetStream.Sources.Common;

/// <summary>Turns the HTML of a post (Mastodon <c>content</c>) into plain text.</summary>
/// <remarks>
/// A small tokenizer rather than a regex: it honours quoted attribute values (so <c>&lt;a title="&gt;"&gt;</c>
/// does not end the tag early), skips comments and the content of <c>script</c>/<c>style</c>, and decodes
/// entities only in text runs, after markup is gone, so an encoded <c>&amp;lt;b&amp;gt;</c> comes out as the
/// literal characters and is never re-parsed as markup. The output is text, not HTML: whoever renders it
/// must still encode it.
/// </remarks>
internal static class HtmlText
{
    public static string ToPlainText(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return string.Empty;
        }

        var output = new StringBuilder(html.Length);
        var text = new StringBuilder();
        var i = 0;
        while (i < html.Length)
        {
            var c = html[i];
            if (c != '<')
            {
                text.Append(c);
                i++;
                continue;
            }

            if (!IsTagStart(html, i))
            {
                // A lone '<' (e.g. "a < b") is text.
                text.Append(c);
                i++;
                continue;
            }

            Flush(text, output);
            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                var end = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = end < 0 ? html.Length : end + 3;
                continue;
            }

            var tagEnd = FindTagEnd(html, i + 1);
            var (name, closing) = ReadTagName(html, i + 1, tagEnd);
            i = tagEnd >= html.Length ? html.Length : tagEnd + 1;

            if (!closing && (name is "script" or "style"))
            {
                // Raw-text elements: skip to the matching end tag; their content is never post text.
                var close = html.IndexOf("</" + name, i, StringComparison.OrdinalIgnoreCase);
                if (close < 0)
                {
                    i = html.Length;
                }
                else
                {
                    i = FindTagEnd(html, close + 2);
                    i = i >= html.Length ? html.Length : i + 1;
                }

                continue;
            }

            switch (name)
            {
                case "br":
                    output.Append('\n');
                    break;
                case "p" when closing:
                case "div" when closing:
                case "li" when closing:
                case "blockquote" when closing:
                    output.Append('\n');
                    break;
            }
        }

        Flush(text, output);
        return Normalize(output);
    }

    private static bool IsTagStart(string html, int i)
    {
        if (i + 1 >= html.Length)
        {
            return false;
        }

        var next = html[i + 1];
        return char.IsAsciiLetter(next) || next == '/' || next == '!';
    }

    // Finds the '>' that ends the tag, skipping quoted attribute values.
    private static int FindTagEnd(string html, int start)
    {
        char quote = '\0';
        for (var j = start; j < html.Length; j++)
        {
            var c = html[j];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return j;
            }
        }

        return html.Length;
    }

    private static (string Name, bool Closing) ReadTagName(string html, int start, int end)
    {
        var j = start;
        var closing = j < end && html[j] == '/';
        if (closing)
        {
            j++;
        }

        var nameStart = j;
        while (j < end && char.IsAsciiLetterOrDigit(html[j]))
        {
            j++;
        }

        return (html[nameStart..j].ToLowerInvariant(), closing);
    }

    private static void Flush(StringBuilder text, StringBuilder output)
    {
        if (text.Length == 0)
        {
            return;
        }

        output.Append(WebUtility.HtmlDecode(text.ToString()));
        text.Clear();
    }

    private static string Normalize(StringBuilder output)
    {
        // Spaces before a line break and trailing breaks come from markup layout, not from the author.
        var lines = output.ToString().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd(' ', '\t');
        }

        return string.Join('\n', lines).TrimEnd('\n');
    }
}
