namespace TweetStream;

/// <summary>Settings of the console sink.</summary>
public sealed class ConsoleSinkOptions
{
    /// <summary>How each post is printed. Default <see cref="ConsoleSinkFormat.Text"/>.</summary>
    public ConsoleSinkFormat Format { get; set; } = ConsoleSinkFormat.Text;
}

/// <summary>How the console sink prints a post.</summary>
public enum ConsoleSinkFormat
{
    /// <summary>A short line: created-at, source, hashed author and text (control characters replaced).</summary>
    Text,

    /// <summary>One <see cref="PostJson"/> object per line.</summary>
    Json,
}
