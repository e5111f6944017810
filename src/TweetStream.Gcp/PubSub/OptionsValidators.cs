using Microsoft.Extensions.Options;

namespace TweetStream.Gcp.PubSub;

// Source-generated validators: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class PubSubSinkOptionsValidator : IValidateOptions<PubSubSinkOptions>;

[OptionsValidator]
internal sealed partial class PubSubSourceOptionsValidator : IValidateOptions<PubSubSourceOptions>;
