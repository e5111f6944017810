using System.Reflection;
using System.Text;

namespace TweetStream.Tests.Support;

/// <summary>Compares an assembly's public surface with the approved listing in tests/TweetStream.Core.Tests/PublicApi.</summary>
public static class PublicApiApproval
{
    public static void Approve(Assembly assembly, string name)
    {
        var folder = Path.Combine(TestPaths.RepositoryRoot, "tests", "TweetStream.Core.Tests", "PublicApi");
        var approvedPath = Path.Combine(folder, name + ".approved.txt");
        var receivedPath = Path.Combine(folder, name + ".received.txt");
        var actual = Describe(assembly);
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (actual == approved)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        var missing = approved.Split('\n').Except(actual.Split('\n')).Take(10);
        var added = actual.Split('\n').Except(approved.Split('\n')).Take(10);
        Assert.Fail($"The public API of {name} changed. Removed: [{string.Join("; ", missing)}] Added: [{string.Join("; ", added)}]. " +
                    $"If intended, copy {receivedPath} over {approvedPath}.");
    }

    private static string Describe(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(Kind(type)).Append(' ').Append(type.FullName).Append('\n');
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(m => "  " + m.MemberType + " " + m)
                .OrderBy(s => s, StringComparer.Ordinal);
            foreach (var member in members)
            {
                text.Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Kind(Type type) =>
        type.IsInterface ? "interface" :
        type.IsEnum ? "enum" :
        type.IsValueType ? "struct" :
        type.IsAbstract && type.IsSealed ? "static class" :
        type.IsSealed ? "sealed class" : "class";
}
