using Microsoft.Extensions.Options;

namespace TweetStream.Dashboard;

[OptionsValidator]
internal sealed partial class DashboardOptionsValidator : IValidateOptions<DashboardOptions>;
