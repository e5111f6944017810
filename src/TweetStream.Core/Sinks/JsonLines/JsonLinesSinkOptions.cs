using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of the JSON Lines sink: one file per UTC day of the posts' creation time.</summary>
public sealed class JsonLinesSinkOptions
{
    /// <summary>Folder of the files, created when missing. Default <c>data/posts</c>.</summary>
    [Required]
    public string Directory { get; set; } = Path.Combine("data", "posts");

    /// <summary>
    /// Start of each file name: <c>{FilePrefix}-{yyyy-MM-dd}.jsonl</c>. Letters, digits, <c>.</c>, <c>_</c> and
    /// <c>-</c> only. Default <c>posts</c>.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")]
    public string FilePrefix { get; set; } = "posts";
}
