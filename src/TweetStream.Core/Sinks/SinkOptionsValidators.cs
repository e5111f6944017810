using Microsoft.Extensions.Options;

namespace TweetStream.Sinks;

// Source-generated validators: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class JsonLinesSinkOptionsValidator : IValidateOptions<JsonLinesSinkOptions>;

[OptionsValidator]
internal sealed partial class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>;
