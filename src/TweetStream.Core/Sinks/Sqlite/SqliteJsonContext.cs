using System.Text.Json.Serialization;

namespace TweetStream.Sinks.Sqlite;

/// <summary>The string arrays stored as JSON text (hashtags, matched rules, PII types).</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
