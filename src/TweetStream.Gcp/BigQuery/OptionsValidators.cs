using Microsoft.Extensions.Options;

namespace TweetStream.Gcp.BigQuery;

// Source-generated validators: no reflection, errors name the offending property.
[OptionsValidator]
internal sealed partial class BigQueryStreamingSinkOptionsValidator : IValidateOptions<BigQueryStreamingSinkOptions>;

[OptionsValidator]
internal sealed partial class BigQueryLoadSinkOptionsValidator : IValidateOptions<BigQueryLoadSinkOptions>;

[OptionsValidator]
internal sealed partial class BigQueryQueryStoreOptionsValidator : IValidateOptions<BigQueryQueryStoreOptions>;
