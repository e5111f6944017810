namespace TweetStream.Sources.X;

/// <summary>Finds hashtags in post text when the source did not send hashtag entities.</summary>
internal static class HashtagExtractor
{
    /// <summary>Adds the hashtags of <paramref name="text"/> (without <c>#</c>, as written) to <paramref name="into"/>.</summary>
    /// <remarks>
    /// Follows X's visible rules closely enough for analytics: <c>#</c> or <c>＃</c> not preceded by a word
    /// character or <c>&amp;</c> (so <c>&amp;#39;</c> and <c>a#b</c> are not tags), then word characters,
    /// at least one of which is not a digit (<c>#1</c> is not a tag).
    /// </remarks>
    public static void Extract(string text, List<string> into)
    {
        var i = text.IndexOfAny('#', '＃');
        while (i >= 0 && i < text.Length)
        {
            var start = i + 1;
            var end = start;
            var hasNonDigit = false;
            while (end < text.Length && IsTagChar(text[end]))
            {
                hasNonDigit |= !char.IsAsciiDigit(text[end]);
                end++;
            }

            var precededOk = i == 0 || !(IsTagChar(text[i - 1]) || text[i - 1] == '&');
            if (precededOk && end > start && hasNonDigit)
            {
                into.Add(text[start..end]);
            }

            var next = text.AsSpan(Math.Max(end, start)).IndexOfAny('#', '＃');
            i = next < 0 ? -1 : Math.Max(end, start) + next;
        }
    }

    private static bool IsTagChar(char c) =>
        char.IsLetterOrDigit(c) || c == '_' ||
        char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark;
}
