using TweetStream.Gcp.BigQuery;

namespace TweetStream.Benchmarks;

/// <summary>
/// <c>schema [--out path]</c>: writes the posts table's BigQuery schema JSON (the library's own
/// <c>BigQueryPostSchema</c>) to a file or standard output; deploy/terraform/schema/posts.json is its output.
/// </summary>
internal static class SchemaCommand
{
    public static int Run(string[] args)
    {
        var json = BigQueryPostSchema.ToSchemaJson();
        if (args is ["--out", var path])
        {
            File.WriteAllText(path, json);
            return 0;
        }

        if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: schema [--out deploy/terraform/schema/posts.json]");
            return 2;
        }

        Console.Out.Write(json);
        return 0;
    }
}
