using TweetStream.Tests.Support;

namespace TweetStream.Tests.PublicApi;

/// <summary>
/// Locks the public surface: a change to it must show up in review as a change to the approved file.
/// On a mismatch the test writes <c>*.received.txt</c> beside the approved file; copy it over when the change is intended.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void TweetStream_Core_public_API_is_approved() => PublicApiApproval.Approve(typeof(Post).Assembly, "TweetStream.Core");

    [Fact]
    public void TweetStream_Testing_public_API_is_approved() =>
        PublicApiApproval.Approve(typeof(TweetStream.Testing.SinkConformance).Assembly, "TweetStream.Testing");
}
