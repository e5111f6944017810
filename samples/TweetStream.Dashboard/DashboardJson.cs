using System.Text.Json.Serialization;

namespace TweetStream.Dashboard;

/// <summary>One post as the API shows it: hashed author, redacted text.</summary>
internal sealed record PostDto(
    string Id,
    DateTimeOffset CreatedAt,
    string Source,
    string Author,
    string Text,
    IReadOnlyList<string> MatchedRules,
    IReadOnlyList<string> PiiTypes)
{
    /// <summary>Shown instead of a handle that no hashing transform replaced: a raw handle never leaves the store.</summary>
    public const string UnhashedAuthor = "[not hashed]";

    public static PostDto From(Post post) => new(
        post.Id,
        post.CreatedAt.ToUniversalTime(),
        post.Source,
        post.Author.IsHashed ? post.Author.Handle : UnhashedAuthor,
        post.Text,
        post.MatchedRules,
        post.PiiTypes);
}

/// <summary>One page; <c>Next</c> is the <c>after</c> cursor of the following page (null on the last), <c>To</c> the bound to keep while paging.</summary>
internal sealed record PostsResponse(IReadOnlyList<PostDto> Items, long Total, int Page, int PageSize, DateTimeOffset From, DateTimeOffset To, string? Next);

internal sealed record NameCount(string Name, long Count);

internal sealed record HourCount(DateTimeOffset Hour, long Count);

internal sealed record TypeCount(string Type, long Count);

internal sealed record StatsResponse(DateTimeOffset From, DateTimeOffset To, long Total, IReadOnlyList<HourCount> PostsPerHour, IReadOnlyList<TypeCount> RedactionsByType)
{
    public IReadOnlyList<NameCount> PostsBySource { get; init; } = [];

    public IReadOnlyList<NameCount> TopHashtags { get; init; } = [];
}

internal sealed record TailGap(long Skipped);

// Default encoder: '<', '>', '&' and quotes leave as \u003C-style escapes, so post text stays inert even if a
// response were ever sniffed as HTML.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PostsResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(PostDto))]
[JsonSerializable(typeof(TailGap))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
