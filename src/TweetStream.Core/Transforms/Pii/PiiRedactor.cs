using System.Buffers;
using System.Globalization;
using System.Text;
using TweetStream.Transforms.Hashing;

namespace TweetStream.Transforms.Pii;

/// <summary>The redacted text and what was found, as spans of the original text.</summary>
/// <param name="Text">The text with every span replaced; the same instance as the input when nothing was found.</param>
/// <param name="Spans">The entities found, in text order, never overlapping.</param>
internal readonly record struct PiiRedaction(string Text, IReadOnlyList<PiiSpan> Spans)
{
    /// <summary>The distinct entity types found, sorted ordinally.</summary>
    public IReadOnlyList<string> Types
    {
        get
        {
            if (Spans.Count == 0)
            {
                return [];
            }

            // A post holds a handful of spans: an insertion sort into a small stack buffer beats a sorted set
            // (one node per span) on every redacted post.
            var count = 0;
            var types = Spans.Count <= 16 ? new string[Spans.Count] : null;
            if (types is null)
            {
                var set = new SortedSet<string>(StringComparer.Ordinal);

                // Indexed loops over Spans: foreach over the interface would allocate an enumerator per post.
                for (var i = 0; i < Spans.Count; i++)
                {
                    set.Add(Spans[i].Type);
                }

                return [.. set];
            }

            for (var s = 0; s < Spans.Count; s++)
            {
                var span = Spans[s];
                var at = count;
                var duplicate = false;
                for (var i = 0; i < count; i++)
                {
                    var c = string.CompareOrdinal(types[i], span.Type);
                    if (c == 0)
                    {
                        duplicate = true;
                        break;
                    }

                    if (c > 0)
                    {
                        at = i;
                        break;
                    }
                }

                if (duplicate)
                {
                    continue;
                }

                Array.Copy(types, at, types, at + 1, count - at);
                types[at] = span.Type;
                count++;
            }

            return count == types.Length ? types : types[..count];
        }
    }
}

/// <summary>
/// Local PII recognition and replacement: a pure function of the text, thread-safe, linear in the text length.
/// </summary>
/// <remarks>
/// Used by the <c>redact-pii</c> transform, by the evaluation harness (which scores <see cref="Find"/>) and as the
/// fallback of remote redaction. Mentions become the same keyed hash as author handles when a hasher is given.
/// </remarks>
internal sealed class PiiRedactor
{
    [ThreadStatic]
    private static List<PiiCandidate>? t_candidates;

    [ThreadStatic]
    private static List<PiiSpan>? t_accepted;

    private readonly PiiKinds _kinds;
    private readonly CompositeFormat _format;
    private readonly Dictionary<string, string> _replacements;
    private readonly HandleHasher? _mentionHasher;
    private readonly string? _keyId;

    public PiiRedactor(RedactPiiOptions options, HashingKey? mentionKey = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _kinds = PiiEntities.ToKinds(options.Entities);
        if (options.RedactUrlCredentials)
        {
            _kinds |= PiiKinds.UrlCredentials;
        }

        if (options.RedactUrlTrackingTokens)
        {
            _kinds |= PiiKinds.UrlTrackingTokens;
        }

        if (options.RedactPostcodeDistricts)
        {
            _kinds |= PiiKinds.PostcodeDistricts;
        }

        _format = CompositeFormat.Parse(options.ReplacementFormat);
        _replacements = PiiEntities.All.ToDictionary(t => t, t => string.Format(CultureInfo.InvariantCulture, _format, t), StringComparer.Ordinal);
        if (options.HashMentions && mentionKey is not null)
        {
            _mentionHasher = new HandleHasher(mentionKey);
            _keyId = mentionKey.KeyId;
        }
    }

    /// <summary>Finds the entities in <paramref name="text"/> without changing it.</summary>
    public IReadOnlyList<PiiSpan> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan();
        if (span.IndexOfAny(PiiScanner.Triggers) < 0 && ((_kinds & PiiKinds.Email) == 0 || span.IndexOfAny(PiiScanner.ObfuscatedTriggers) < 0))
        {
            return [];
        }

        // Most posts with digits still hold no PII: reuse one candidate list per thread instead of allocating.
        var candidates = t_candidates ??= new List<PiiCandidate>(8);
        candidates.Clear();
        try
        {
            PiiScanner.Scan(span, _kinds, _keyId, candidates);
            return candidates.Count == 0 ? [] : Resolve(candidates, text.Length);
        }
        finally
        {
            if (candidates.Capacity > 1024)
            {
                t_candidates = null;
            }
        }
    }

    /// <summary>Replaces every entity by its <c>[TYPE]</c> (mentions by their keyed hash).</summary>
    public PiiRedaction Redact(string text)
    {
        var spans = Find(text);
        if (spans.Count == 0)
        {
            return new PiiRedaction(text, spans);
        }

        // The output is built in a pooled buffer and copied once into its string: a StringBuilder would allocate a
        // chunk as large as the post on every redacted post.
        var builder = new PooledChars(text.Length + 64);
        try
        {
            var last = 0;
            Span<char> pseudonym = _mentionHasher is null ? default : stackalloc char[_mentionHasher.MaxLength];
            for (var i = 0; i < spans.Count; i++)
            {
                var s = spans[i];
                builder.Append(text.AsSpan(last, s.Start - last));
                if (s.Type == PiiEntities.Mention && _mentionHasher is not null)
                {
                    builder.Append('@');
                    builder.Append(pseudonym[.._mentionHasher.Format(text.AsSpan(s.Start, s.End - s.Start), pseudonym)]);
                }
                else
                {
                    builder.Append(_replacements[s.Type]);
                }

                last = s.End;
            }

            builder.Append(text.AsSpan(last));
            return new PiiRedaction(builder.ToString(), spans);
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>
    /// Picks non-overlapping spans: highest priority first, then longest, then earliest. URL regions block
    /// every other recogniser but not their own sensitive parts.
    /// </summary>
    private static PiiSpan[] Resolve(List<PiiCandidate> candidates, int length)
    {
        candidates.Sort(static (a, b) =>
        {
            var c = b.Priority.CompareTo(a.Priority);
            if (c == 0)
            {
                c = (b.End - b.Start).CompareTo(a.End - a.Start);
            }

            return c != 0 ? c : a.Start.CompareTo(b.Start);
        });

        // 0 free, 1 taken by an accepted span, 2 inside a URL.
        var owner = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            owner.AsSpan(0, length).Clear();
            var accepted = t_accepted ??= new List<PiiSpan>(8);
            accepted.Clear();
            foreach (var c in candidates)
            {
                if (c.Start >= c.End)
                {
                    continue;
                }

                var cells = owner.AsSpan(c.Start, c.End - c.Start);
                if (c.Type.Length == 0)
                {
                    // Protected URL region: a sensitive part found inside it first keeps its 1s.
                    for (var k = 0; k < cells.Length; k++)
                    {
                        if (cells[k] == 0)
                        {
                            cells[k] = 2;
                        }
                    }

                    continue;
                }

                var blocked = c.Type == PiiEntities.Url ? cells.Contains((byte)1) : cells.ContainsAnyExcept((byte)0);
                if (blocked)
                {
                    continue;
                }

                cells.Fill(1);
                accepted.Add(new PiiSpan(c.Type, c.Start, c.End));
            }

            accepted.Sort(static (a, b) => a.Start.CompareTo(b.Start));
            var result = accepted.ToArray();
            if (accepted.Capacity > 1024)
            {
                t_accepted = null; // an adversarial post must not keep a large list alive on the thread
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(owner);
        }
    }
}

/// <summary>A growable char buffer over <see cref="ArrayPool{T}.Shared"/>; <see cref="Dispose"/> returns the array.</summary>
internal struct PooledChars : IDisposable
{
    private char[] _chars;
    private int _length;

    public PooledChars(int capacity)
    {
        _chars = ArrayPool<char>.Shared.Rent(Math.Max(16, capacity));
        _length = 0;
    }

    public void Append(char c)
    {
        Ensure(1);
        _chars[_length++] = c;
    }

    public void Append(ReadOnlySpan<char> value)
    {
        Ensure(value.Length);
        value.CopyTo(_chars.AsSpan(_length));
        _length += value.Length;
    }

    public override readonly string ToString() => new(_chars, 0, _length);

    public void Dispose()
    {
        var chars = _chars;
        _chars = [];
        _length = 0;
        if (chars.Length > 0)
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private void Ensure(int more)
    {
        if (_chars.Length - _length >= more)
        {
            return;
        }

        var grown = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + more));
        _chars.AsSpan(0, _length).CopyTo(grown);
        var old = _chars;
        _chars = grown;
        if (old.Length > 0)
        {
            ArrayPool<char>.Shared.Return(old);
        }
    }
}
