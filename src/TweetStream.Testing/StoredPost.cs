namespace TweetStream.Testing;

/// <summary>One record as the sink's store holds it, read back for a conformance check.</summary>
/// <param name="Id">The post id.</param>
/// <param name="Text">The stored text (empty for a deletion).</param>
/// <param name="Deleted">True when the record marks the post deleted (a tombstone kept as a mark).</param>
public sealed record StoredPost(string Id, string Text, bool Deleted = false);
