using Microsoft.Extensions.Options;

namespace TweetStream.Pipeline;

// Source-generated validators: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class PipelineOptionsValidator : IValidateOptions<PipelineOptions>;

[OptionsValidator]
internal sealed partial class HashHandlesOptionsValidator : IValidateOptions<HashHandlesOptions>;

[OptionsValidator]
internal sealed partial class DeadLetterOptionsValidator : IValidateOptions<DeadLetterOptions>;
