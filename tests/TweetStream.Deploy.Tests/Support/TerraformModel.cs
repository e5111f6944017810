using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>One block of the root module: <c>resource "type" "name"</c> and its body as HashiCorp's parser gave it.</summary>
internal sealed record TerraformResource(string Type, string Name, JsonElement Body, string File)
{
    public string Address => Type + "." + Name;

    public string? String(string attribute) =>
        Body.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public JsonElement Block(string name) => Body.GetProperty(name)[0];
}

/// <summary>deploy/terraform parsed file by file and merged the way Terraform merges a root module's files.</summary>
internal sealed partial class TerraformModel
{
    public const string Directory = "deploy/terraform";

    private TerraformModel(Dictionary<string, JsonElement> files)
    {
        Files = files;
        foreach (var (file, root) in files)
        {
            if (root.TryGetProperty("resource", out var resources))
            {
                foreach (var type in resources.EnumerateObject())
                {
                    foreach (var named in type.Value.EnumerateObject())
                    {
                        Resources.Add(new TerraformResource(type.Name, named.Name, named.Value[0], file));
                    }
                }
            }

            Collect(root, "variable", Variables);
            Collect(root, "output", Outputs);
            Collect(root, "locals", Locals, flatten: true);
        }
    }

    public Dictionary<string, JsonElement> Files { get; }

    public List<TerraformResource> Resources { get; } = [];

    public Dictionary<string, JsonElement> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonElement> Outputs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonElement> Locals { get; } = new(StringComparer.Ordinal);

    public static IReadOnlyList<string> TerraformFiles() =>
        System.IO.Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, Directory), "*.tf", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(TestPaths.RepositoryRoot, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static TerraformModel Load() => new(NodeTools.Parse(TerraformFiles()));

    public TerraformResource Resource(string address) =>
        Resources.SingleOrDefault(r => r.Address == address) ?? throw new Xunit.Sdk.XunitException($"{address} is not declared in {Directory}");

    public IEnumerable<TerraformResource> OfType(string type) => Resources.Where(r => r.Type == type);

    /// <summary>A variable's default as parsed (a string, number or bool), or null without one.</summary>
    public JsonElement? Default(string variable) =>
        Variables[variable].TryGetProperty("default", out var value) ? value : null;

    /// <summary>Every string anywhere under <paramref name="element"/>, expressions included (the parser writes them as <c>${…}</c>).</summary>
    public static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var s in Strings(item))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var s in Strings(property.Value))
                    {
                        yield return s;
                    }
                }

                break;
        }
    }

    public IEnumerable<string> AllStrings() => Files.Values.SelectMany(Strings);

    /// <summary>Names after <c>var.</c> in every expression of the module.</summary>
    public IReadOnlySet<string> ReferencedVariables() =>
        AllStrings().SelectMany(s => VariableReference().Matches(s)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The resource a reference such as <c>${google_pubsub_topic.posts.name}</c> points at, as <c>type.name</c>.</summary>
    public static string? ReferencedResource(string? expression) =>
        expression is not null && ResourceReference().Match(expression) is { Success: true } m ? m.Groups[1].Value : null;

    private static void Collect(JsonElement root, string kind, Dictionary<string, JsonElement> into, bool flatten = false)
    {
        if (!root.TryGetProperty(kind, out var blocks))
        {
            return;
        }

        if (flatten)
        {
            // locals { … } blocks come as an array of objects.
            foreach (var block in blocks.EnumerateArray())
            {
                foreach (var local in block.EnumerateObject())
                {
                    into.Add(local.Name, local.Value);
                }
            }

            return;
        }

        foreach (var named in blocks.EnumerateObject())
        {
            into.Add(named.Name, named.Value[0]);
        }
    }

    [GeneratedRegex(@"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"\$\{(google_[a-z0-9_]+\.[a-z0-9_]+)")]
    private static partial Regex ResourceReference();
}
