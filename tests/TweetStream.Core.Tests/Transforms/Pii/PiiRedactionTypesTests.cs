using TweetStream.Transforms.Pii;

namespace TweetStream.Tests.Transforms.Pii;

public sealed class PiiRedactionTypesTests
{
    [Fact]
    public void Types_are_distinct_and_in_ordinal_order_whatever_the_span_order()
    {
        var redaction = new PiiRedaction("t", [new("PHONE", 0, 1), new("EMAIL", 2, 3), new("PHONE", 4, 5), new("CARD", 6, 7), new("EMAIL", 8, 9)]);
        Assert.Equal(["CARD", "EMAIL", "PHONE"], redaction.Types);
    }

    [Fact]
    public void Types_of_a_post_with_many_spans_are_distinct_and_ordered()
    {
        string[] names = ["POSTCODE", "IP", "NHS", "IBAN", "EMAIL", "CARD", "MENTION", "NINO", "PHONE"];
        var spans = Enumerable.Range(0, 40).Select(i => new PiiSpan(names[i % names.Length], i * 2, (i * 2) + 1)).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), new PiiRedaction("t", spans).Types);
    }

    [Fact]
    public void Types_allocate_only_the_array_they_return()
    {
        // A foreach over the spans, typed as an interface, allocated an enumerator on every redacted post.
        var redaction = new PiiRedaction("t", [new PiiSpan("PHONE", 0, 1), new("EMAIL", 2, 3)]);
        _ = redaction.Types;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var types = redaction.Types;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(["EMAIL", "PHONE"], types);
        Assert.Equal(24 + (2 * IntPtr.Size), allocated); // one string[2]: header, method table, length, two references
    }

    [Fact]
    public void A_redaction_without_spans_has_no_types()
    {
        Assert.Empty(new PiiRedaction("t", []).Types);
    }

    [Fact]
    public void Redacted_text_is_rebuilt_around_every_span_including_a_long_post()
    {
        var redactor = new PiiRedactor(new RedactPiiOptions());
        var text = string.Concat(Enumerable.Repeat("mail a@example.com or call 07700 900123, ", 200));
        var result = redactor.Redact(text);
        Assert.Equal(string.Concat(Enumerable.Repeat("mail [EMAIL] or call [PHONE], ", 200)), result.Text);
        Assert.Equal(["EMAIL", "PHONE"], result.Types);
    }
}
