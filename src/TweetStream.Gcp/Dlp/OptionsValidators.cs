using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace TweetStream.Gcp.Dlp;

// Source-generated: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class DlpRedactionOptionsValidator : IValidateOptions<DlpRedactionOptions>
{
    public static bool IsInfoTypeName(string? name) => name is not null && InfoTypeName().IsMatch(name.Trim());

    [GeneratedRegex("^[A-Z][A-Z0-9_]{1,63}$")]
    private static partial Regex InfoTypeName();
}
