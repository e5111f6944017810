using System.Text.Json;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>
/// .github/workflows checked offline: the action-validator schema check (the GitHub workflow JSON schema, run as
/// WASM from the npm registry) for every file, then what the schema cannot know: triggers, permissions, and that
/// Google Cloud is reached through Workload Identity Federation with no key file.
/// </summary>
public sealed class WorkflowTests
{
    private static readonly string[] Names = ["ci.yml", "release.yml", "terraform.yml"];

    private static readonly Lazy<Dictionary<string, JsonElement>> Parsed = new(() =>
        NodeTools.Parse(Names.Select(n => ".github/workflows/" + n)).ToDictionary(p => Path.GetFileName(p.Key), p => p.Value, StringComparer.Ordinal));

    private static JsonElement Workflow(string name) => Parsed.Value[name];

    [SkippableFact]
    public void Every_workflow_passes_the_action_validator_schema_check()
    {
        var files = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, ".github", "workflows")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Names, files.Select(Path.GetFileName));
        foreach (var file in files)
        {
            var (exitCode, stdout, stderr) = NodeTools.Run([Path.Combine("node_modules", "@action-validator", "cli", "cli.mjs"), file]);
            Assert.True(exitCode == 0, $"{Path.GetFileName(file)} fails the workflow schema:\n{stdout}\n{stderr}");
        }
    }

    [SkippableFact]
    public void The_validator_rejects_a_broken_workflow_so_its_pass_means_something()
    {
        using var dir = TestPaths.CreateTempDirectory();
        var broken = dir.Combine("broken.yml");
        File.WriteAllText(broken, "name: broken\non: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n        shell-script: bash\n");
        var (exitCode, _, _) = NodeTools.Run([Path.Combine("node_modules", "@action-validator", "cli", "cli.mjs"), broken]);
        Assert.NotEqual(0, exitCode);
    }

    [SkippableFact]
    public void Ci_runs_dot_ci_run_on_every_push_and_pull_request_with_read_only_permissions()
    {
        var ci = Workflow("ci.yml");
        var on = ci.GetProperty("on");
        Assert.True(on.TryGetProperty("push", out var push) && push.ValueKind == JsonValueKind.Null, "ci runs on every push, with no branch or path filter");
        Assert.True(on.TryGetProperty("pull_request", out _));
        Assert.Equal("read", ci.GetProperty("permissions").GetProperty("contents").GetString());
        Assert.Contains(Runs(ci), r => r.Contains("bash .ci/run", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Release_on_a_version_tag_publishes_both_packages_and_pushes_both_images_through_workload_identity_federation()
    {
        var release = Workflow("release.yml");
        var tags = release.GetProperty("on").GetProperty("push").GetProperty("tags").EnumerateArray().Select(t => t.GetString());
        Assert.Equal(["v*"], tags);

        var runs = string.Join('\n', Runs(release));
        Assert.Contains("src/TweetStream.Core src/TweetStream.Gcp", runs, StringComparison.Ordinal);
        Assert.Contains("dotnet nuget push", runs, StringComparison.Ordinal);
        Assert.Contains("-t:PublishContainer", runs, StringComparison.Ordinal);
        Assert.Contains("for name in Worker Function", runs, StringComparison.Ordinal);

        var images = release.GetProperty("jobs").GetProperty("images");
        Assert.Equal("write", images.GetProperty("permissions").GetProperty("id-token").GetString());
        var auth = Steps(images).Single(s => s.TryGetProperty("uses", out var u) && u.GetString()!.StartsWith("google-github-actions/auth@", StringComparison.Ordinal));
        var with = auth.GetProperty("with");
        Assert.True(with.TryGetProperty("workload_identity_provider", out _));
        Assert.True(with.TryGetProperty("service_account", out _));
        // The repository path the images go to is the one Terraform deploys from.
        Assert.Contains("tweetstream", images.GetProperty("env").GetProperty("REPOSITORY").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Terraform_plans_on_pull_requests_and_applies_on_main_only_behind_an_environment_approval()
    {
        var terraform = Workflow("terraform.yml");
        var on = terraform.GetProperty("on");
        Assert.True(on.TryGetProperty("pull_request", out _));
        Assert.Equal(["main"], on.GetProperty("push").GetProperty("branches").EnumerateArray().Select(b => b.GetString()));

        var jobs = terraform.GetProperty("jobs");
        var plan = jobs.GetProperty("plan");
        Assert.Contains("pull_request", plan.GetProperty("if").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Runs(plan), r => r.Contains("terraform apply", StringComparison.Ordinal));
        Assert.Contains(Runs(plan), r => r.StartsWith("terraform plan", StringComparison.Ordinal));

        var apply = jobs.GetProperty("apply");
        Assert.Contains("refs/heads/main", apply.GetProperty("if").GetString(), StringComparison.Ordinal);
        Assert.Equal("production", apply.GetProperty("environment").GetString());
        Assert.Contains(Runs(apply), r => r.StartsWith("terraform apply", StringComparison.Ordinal));
        foreach (var job in new[] { plan, apply })
        {
            Assert.Equal("write", job.GetProperty("permissions").GetProperty("id-token").GetString());
        }
    }

    [SkippableFact]
    public void No_workflow_uses_a_key_file_or_an_unpinned_action()
    {
        foreach (var name in Names)
        {
            var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, ".github", "workflows", name));
            Assert.DoesNotContain("credentials_json", text, StringComparison.Ordinal);
            Assert.DoesNotContain("GOOGLE_APPLICATION_CREDENTIALS", text, StringComparison.Ordinal);
            Assert.DoesNotContain("service_account_key", text, StringComparison.Ordinal);

            foreach (var job in Workflow(name).GetProperty("jobs").EnumerateObject())
            {
                foreach (var step in Steps(job.Value).Where(s => s.TryGetProperty("uses", out _)))
                {
                    var uses = step.GetProperty("uses").GetString()!;
                    Assert.Matches(@"^[\w.-]+/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$", uses);
                }
            }
        }
    }

    private static IEnumerable<JsonElement> Steps(JsonElement job) =>
        job.TryGetProperty("steps", out var steps) ? steps.EnumerateArray() : [];

    private static List<string> Runs(JsonElement workflowOrJob)
    {
        var jobs = workflowOrJob.TryGetProperty("jobs", out var all) ? all.EnumerateObject().Select(j => j.Value) : [workflowOrJob];
        return jobs.SelectMany(Steps).Where(s => s.TryGetProperty("run", out _)).Select(s => s.GetProperty("run").GetString()!).ToList();
    }
}
