using Microsoft.Extensions.Options;

namespace TweetStream.Sources.Replay;

// Source-generated: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class ReplayOptionsValidator : IValidateOptions<ReplayOptions>;
