using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace TweetStream.Transforms.Pii;

[OptionsValidator]
internal sealed partial class RedactPiiOptionsValidator : IValidateOptions<RedactPiiOptions>
{
    internal static bool IsValidFormat(string? format)
    {
        if (string.IsNullOrEmpty(format))
        {
            return false;
        }

        try
        {
            var composite = CompositeFormat.Parse(format);
            _ = string.Format(CultureInfo.InvariantCulture, composite, "EMAIL");
            return composite.MinimumArgumentCount <= 1;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
