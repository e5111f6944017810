namespace TweetStream.Gcp;

/// <summary>Identifies the TweetStream.Gcp assembly.</summary>
public static class GcpAssembly
{
    /// <summary>The name used for this package's meter and activity source.</summary>
    public const string Name = "TweetStream.Gcp";
}
