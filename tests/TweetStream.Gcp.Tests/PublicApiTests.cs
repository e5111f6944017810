using TweetStream.Tests.Support;

namespace TweetStream.Gcp.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void TweetStream_Gcp_public_API_is_approved() =>
        PublicApiApproval.Approve(typeof(Microsoft.Extensions.DependencyInjection.PubSubExtensions).Assembly, "TweetStream.Gcp");
}
