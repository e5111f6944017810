using System.Text.Json.Serialization;

namespace TweetStream.Sinks.Sqlite;

/// <summary>The string arrays stored as JSON text (hashtags, matched rules, PII types), as they are read back.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
