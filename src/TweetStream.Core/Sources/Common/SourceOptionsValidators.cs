using Microsoft.Extensions.Options;

namespace TweetStream.Sources.Common;

// Source-generated validators: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class MastodonHashtagSourceOptionsValidator : IValidateOptions<MastodonHashtagSourceOptions>;

[OptionsValidator]
internal sealed partial class BlueskyJetstreamSourceOptionsValidator : IValidateOptions<BlueskyJetstreamSourceOptions>;
