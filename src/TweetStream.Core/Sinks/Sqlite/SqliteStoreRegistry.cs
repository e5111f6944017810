using System.Collections.Concurrent;

namespace TweetStream.Sinks.Sqlite;

/// <summary>One <see cref="SqliteStore"/> per database file, shared by the sinks and readers of a host.</summary>
/// <remarks>
/// Two writers on one file would contend for SQLite's single write lock; sharing the instance keeps
/// writes serialized in-process and lets the dashboard read through the same store.
/// </remarks>
internal sealed class SqliteStoreRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<SqliteStore>> _stores = new(StringComparer.Ordinal);

    public SqliteStore Get(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.GetFullPath(options.Path);
        return _stores.GetOrAdd(path, _ => new Lazy<SqliteStore>(() => new SqliteStore(options))).Value;
    }

    public void Dispose()
    {
        foreach (var store in _stores.Values)
        {
            if (store.IsValueCreated)
            {
                store.Value.Dispose();
            }
        }
    }
}
