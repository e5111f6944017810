namespace TweetStream.Sources.X;

/// <summary>The changes that bring the server's rules to the configured set.</summary>
/// <param name="Add">Configured rules missing on the server (tags already prefixed).</param>
/// <param name="Delete">Ids of owned rules no longer configured.</param>
/// <param name="Kept">Configured rules already present.</param>
/// <param name="Foreign">Rules left alone because this app does not own them.</param>
internal sealed record XRulePlan(IReadOnlyList<XNewRule> Add, IReadOnlyList<XRule> Delete, int Kept, int Foreign)
{
    /// <summary>Computes the plan; a rule matches when value and (prefixed) tag are equal.</summary>
    public static XRulePlan Create(IReadOnlyList<XRule> existing, XFilteredStreamOptions options)
    {
        var desired = options.Rules.Select(r => new XNewRule { Value = r.Value!, Tag = options.OwnedTagPrefix + r.Tag }).ToList();
        var add = new List<XNewRule>();
        var delete = new List<XRule>();
        var kept = 0;
        var foreign = 0;
        var matched = new HashSet<XRule>();
        foreach (var want in desired)
        {
            var hit = existing.FirstOrDefault(e => !matched.Contains(e) && e.Value == want.Value && (e.Tag ?? string.Empty) == want.Tag);
            if (hit is null)
            {
                add.Add(want);
            }
            else
            {
                matched.Add(hit);
                kept++;
            }
        }

        foreach (var rule in existing)
        {
            if (matched.Contains(rule))
            {
                continue;
            }

            if (options.DeleteForeignRules || (rule.Tag ?? string.Empty).StartsWith(options.OwnedTagPrefix, StringComparison.Ordinal))
            {
                delete.Add(rule);
            }
            else
            {
                foreign++;
            }
        }

        return new XRulePlan(add, delete, kept, foreign);
    }
}
