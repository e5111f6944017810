using BenchmarkDotNet.Attributes;
using TweetStream.Transforms.Hashing;
using TweetStream.Transforms.Pii;

namespace TweetStream.Benchmarks;

/// <summary>
/// The local redactor alone, one thread: <c>-- --filter '*Redact*' --job short</c>. <see cref="TypicalPosts"/>
/// reports per post (posts/s = 1e9 / mean ns); the adversarial cases report per 64 KiB text, and their 8 KiB
/// twins show the cost per character stays flat.
/// </summary>
[MemoryDiagnoser]
public class RedactBenchmarks
{
    private const int PostCount = 1000;

    private static readonly string[] Clean =
    [
        "Lovely sunset over the Thames tonight, the whole South Bank was glowing. Worth the walk from Waterloo #london",
        "Queue for the new bakery on Columbia Road is already round the corner, no idea what the fuss is about #london",
        "Northern line delays again this morning, 20 minutes at Camden Town and nobody says why. Classic Monday #london",
        "Arsenal 2-1 Spurs, what a finish at the Emirates! Home by 22:30 if the Victoria line behaves #london #coyg",
        "Open 09:00-17:30 Mon-Fri at the market, pints £7.50 and a flat white £3.80. London prices in 2026 #london",
    ];

    private static readonly string[] WithPii =
    [
        "Lost my dog near Clapham Common, please call 07700 900123 or email sam.jones@example.com if you see him #london",
        "@TfL the lift at SW1A 1AA is broken again, third time this week. Ticket ref sent from 192.168.1.20 #london",
        "Flat share in E14 5AB, rent £950 pcm. Deposit to GB82 WEST 1234 5698 7654 32, questions to @flatmate_bob #london",
    ];

    private PiiRedactor _redactor = null!;
    private string[] _posts = null!;
    private string _adversarialDigits8K = null!;
    private string _adversarialDigits64K = null!;
    private string _adversarialAt64K = null!;
    private string _adversarialMixed64K = null!;
    private string _adversarialRecords8K = null!;
    private string _adversarialRecords64K = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = new HashingKey("k1", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        _redactor = new PiiRedactor(new RedactPiiOptions(), key);
        var random = new Random(42);

        // One post in five carries PII, as in the generator's default mix.
        _posts = Enumerable.Range(0, PostCount)
            .Select(_ => random.Next(5) == 0 ? WithPii[random.Next(WithPii.Length)] : Clean[random.Next(Clean.Length)])
            .ToArray();
        _adversarialDigits8K = Repeat("4 1-1.1 (0", 8 * 1024);
        _adversarialDigits64K = Repeat("4 1-1.1 (0", 64 * 1024);
        _adversarialAt64K = Repeat("a.a@a", 64 * 1024);
        _adversarialMixed64K = Repeat("SW1A ::1:a 07700 http://a@b ", 64 * 1024);

        // The context-reading recognisers: every token starts a bank, licence, registration, date or address attempt.
        const string records = "DOB 1/1/1990 car reg AB12 CDE sort code 20-00-00 12345678 Flat 1, 2 A B Road MORGA753116SM9IJ passport 123456789 ";
        _adversarialRecords8K = Repeat(records, 8 * 1024);
        _adversarialRecords64K = Repeat(records, 64 * 1024);
    }

    private static string Repeat(string unit, int length) => string.Concat(Enumerable.Repeat(unit, (length / unit.Length) + 1))[..length];

    [Benchmark(OperationsPerInvoke = PostCount)]
    public int TypicalPosts()
    {
        var changed = 0;
        foreach (var post in _posts)
        {
            if (_redactor.Redact(post).Spans.Count > 0)
            {
                changed++;
            }
        }

        return changed;
    }

    [Benchmark]
    public int AdversarialDigits8K() => _redactor.Redact(_adversarialDigits8K).Spans.Count;

    [Benchmark]
    public int AdversarialDigits64K() => _redactor.Redact(_adversarialDigits64K).Spans.Count;

    [Benchmark]
    public int AdversarialAt64K() => _redactor.Redact(_adversarialAt64K).Spans.Count;

    [Benchmark]
    public int AdversarialMixed64K() => _redactor.Redact(_adversarialMixed64K).Spans.Count;

    [Benchmark]
    public int AdversarialRecords8K() => _redactor.Redact(_adversarialRecords8K).Spans.Count;

    [Benchmark]
    public int AdversarialRecords64K() => _redactor.Redact(_adversarialRecords64K).Spans.Count;
}
