using Microsoft.Extensions.Options;

namespace TweetStream.Sources.X;

// Attributes: required token, ranges, per-rule required value and tag.
[OptionsValidator]
internal sealed partial class XFilteredStreamOptionsValidator : IValidateOptions<XFilteredStreamOptions>;

/// <summary>The checks attributes cannot express: rule count, length, unique tags, absolute base address.</summary>
internal sealed class XFilteredStreamRulesValidator : IValidateOptions<XFilteredStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, XFilteredStreamOptions options)
    {
        var failures = new List<string>();
        if (options.BearerToken is { } token && (token.Length == 0 || token.Any(char.IsWhiteSpace)))
        {
            failures.Add("XFilteredStreamOptions.BearerToken must be the app's Bearer Token without spaces or line breaks.");
        }

        if (options.SyncRules && options.Rules.Count == 0)
        {
            failures.Add("XFilteredStreamOptions.Rules is empty: add at least one rule (e.g. Value \"#london -is:retweet\", Tag \"london\") or set SyncRules to false.");
        }

        var tags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            if (rule.Value is { } value && (value.Length > options.MaxRuleLength || string.IsNullOrWhiteSpace(value)))
            {
                failures.Add($"XFilteredStreamOptions.Rules[{i}].Value must be 1 to {options.MaxRuleLength} characters (it has {value.Length}).");
            }

            if (rule.Tag is { } tag && !tags.Add(tag))
            {
                failures.Add($"XFilteredStreamOptions.Rules[{i}].Tag \"{tag}\" is used twice; tags name rules and must be unique.");
            }
        }

        if (options.BaseAddress is { } address && (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add("XFilteredStreamOptions.BaseAddress must be an absolute http(s) address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
