using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TweetStream.Gcp;
using TweetStream.Gcp.BigQuery;
using TweetStream.Tests.Support;

namespace TweetStream.Deploy.Tests;

/// <summary>
/// Structural checks of deploy/terraform, parsed by HashiCorp's own HCL parser (Terraform itself cannot be installed
/// here): what a plan would not catch, or would catch only against a live project.
/// </summary>
public sealed partial class TerraformTests
{
    private static readonly Lazy<TerraformModel> Model = new(TerraformModel.Load);

    private static TerraformModel Tf => Model.Value;

    [SkippableFact]
    public void Every_tf_file_parses_and_the_module_has_the_pieces_the_issue_lists()
    {
        var files = TerraformModel.TerraformFiles();
        Assert.Equal(files.Count, Tf.Files.Count);
        foreach (var type in new[]
        {
            "google_project_service", "google_artifact_registry_repository", "google_pubsub_topic", "google_pubsub_subscription",
            "google_bigquery_dataset", "google_bigquery_table", "google_service_account", "google_secret_manager_secret",
            "google_cloud_run_v2_service", "google_compute_network", "google_compute_subnetwork", "google_monitoring_alert_policy",
        })
        {
            Assert.True(Tf.OfType(type).Any(), $"no {type} in {TerraformModel.Directory}");
        }
    }

    [SkippableFact]
    public void The_google_provider_is_hashicorps_and_pinned_to_one_version()
    {
        var providers = Tf.Files.Values.Where(f => f.TryGetProperty("terraform", out _))
            .Select(f => f.GetProperty("terraform")[0].GetProperty("required_providers")[0].GetProperty("google"))
            .ToList();
        var google = Assert.Single(providers);
        Assert.Equal("hashicorp/google", google.GetProperty("source").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+$", google.GetProperty("version").GetString());
    }

    [SkippableFact]
    public void Every_variable_referenced_is_declared_and_every_declared_variable_is_used()
    {
        var referenced = Tf.ReferencedVariables();
        var declared = Tf.Variables.Keys.ToHashSet(StringComparer.Ordinal);
        Assert.Empty(referenced.Except(declared));
        Assert.Empty(declared.Except(referenced));
    }

    [SkippableFact]
    public void Profiles_set_only_declared_variables_and_the_zero_cost_one_uses_free_load_jobs_and_local_redaction()
    {
        var profiles = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, TerraformModel.Directory, "profiles"), "*.tfvars")
            .Select(p => Path.GetRelativePath(TestPaths.RepositoryRoot, p)).ToList();
        Assert.Contains(profiles, p => p.EndsWith("zero-cost.tfvars", StringComparison.Ordinal));
        var parsed = NodeTools.Parse(profiles);
        foreach (var (file, values) in parsed)
        {
            foreach (var setting in values.EnumerateObject())
            {
                Assert.True(Tf.Variables.ContainsKey(setting.Name), $"{file} sets {setting.Name}, which is not a declared variable");
            }
        }

        var zero = parsed.Single(p => p.Key.EndsWith("zero-cost.tfvars", StringComparison.Ordinal)).Value;
        Assert.Equal("bigquery-load", zero.GetProperty("load_sink").GetString());
        Assert.Equal("local", zero.GetProperty("redaction").GetString());
        Assert.Equal("login", zero.GetProperty("dashboard_front_door").GetString());
    }

    [SkippableFact]
    public void No_primitive_role_is_granted_anywhere()
    {
        var primitive = Tf.AllStrings().Where(s => PrimitiveRole().IsMatch(s)).ToList();
        Assert.Empty(primitive);
        // Authoritative project bindings would also strip grants made outside Terraform.
        Assert.DoesNotContain(Tf.Resources, r => r.Type is "google_project_iam_binding" or "google_project_iam_policy");
    }

    [SkippableFact]
    public void Iam_grants_are_exactly_the_allow_list_and_on_the_resource_where_the_api_allows()
    {
        var grants = Tf.Resources.Where(r => r.Type.EndsWith("_iam_member", StringComparison.Ordinal) || r.Type.EndsWith("_iam_binding", StringComparison.Ordinal))
            .Select(r => $"{Identity(r.String("member") ?? r.String("members"))} {r.String("role")} {Target(r)}")
            .Order(StringComparer.Ordinal)
            .ToList();

        string[] allowed =
        [
            // ingest publishes to the topic and reads its secrets (DLP only with redaction = dlp; DLP has no resource binding).
            "ingest roles/pubsub.publisher google_pubsub_topic.posts",
            "ingest roles/secretmanager.secretAccessor google_secret_manager_secret.hashing_key",
            "ingest roles/secretmanager.secretAccessor google_secret_manager_secret.x_bearer_token",
            "ingest roles/dlp.user project",
            // load writes the table (load jobs are created in the project) and reads the hashing key.
            "load roles/bigquery.dataEditor google_bigquery_table.posts",
            "load roles/bigquery.jobUser project",
            "load roles/secretmanager.secretAccessor google_secret_manager_secret.hashing_key",
            // dashboard reads the table (queries are jobs, created in the project) and its password hash.
            "dashboard roles/bigquery.dataViewer google_bigquery_table.posts",
            "dashboard roles/bigquery.jobUser project",
            "dashboard roles/secretmanager.secretAccessor google_secret_manager_secret.dashboard_password_hash",
            // the push subscription's identity may invoke the function.
            "push roles/run.invoker google_cloud_run_v2_service.function",
            // Google's service agents: dead-letter forwarding, push token signing, IAP.
            "pubsub-agent roles/pubsub.publisher google_pubsub_topic.dead_letter",
            "pubsub-agent roles/pubsub.subscriber google_pubsub_subscription.load",
            "pubsub-agent roles/iam.serviceAccountTokenCreator google_service_account.push",
            "iap-agent roles/run.invoker google_cloud_run_v2_service.dashboard",
            "iap_members roles/iap.httpsResourceAccessor google_cloud_run_v2_service.dashboard",
            // the release workflow pushes images, and only GitHub workflows of one repository may act as it.
            "release roles/artifactregistry.writer google_artifact_registry_repository.images",
            "github_repository roles/iam.workloadIdentityUser google_service_account.release",
            // the front door: with the dashboard's own login, anyone may reach the login page.
            "allUsers roles/run.invoker google_cloud_run_v2_service.dashboard",
        ];
        Assert.Equal(allowed.Order(StringComparer.Ordinal), grants);

        // Project-wide grants only where the permission exists at project level alone.
        var projectGrants = Tf.OfType("google_project_iam_member").Select(r => r.String("role")).Distinct();
        Assert.All(projectGrants, role => Assert.Contains(role, new[] { "roles/bigquery.jobUser", "roles/dlp.user" }));
    }

    [SkippableFact]
    public void Each_role_has_its_own_service_account_and_each_service_runs_as_its_own()
    {
        Assert.Equal(["dashboard", "ingest", "load", "push", "release"], Tf.OfType("google_service_account").Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal("${google_service_account.ingest.email}", Tf.Resource("google_cloud_run_v2_service.ingest").Block("template").GetProperty("service_account").GetString());
        Assert.Equal("${google_service_account.load.email}", Tf.Resource("google_cloud_run_v2_service.function").Block("template").GetProperty("service_account").GetString());
        Assert.Equal("${google_service_account.dashboard.email}", Tf.Resource("google_cloud_run_v2_service.dashboard").Block("template").GetProperty("service_account").GetString());
        var oidc = Tf.Resource("google_pubsub_subscription.load").Block("push_config").GetProperty("oidc_token")[0];
        Assert.Equal("${google_service_account.push.email}", oidc.GetProperty("service_account_email").GetString());
        // No key files: no service account key is ever created.
        Assert.Empty(Tf.OfType("google_service_account_key"));
    }

    [SkippableFact]
    public void The_load_subscription_matches_the_librarys_pull_defaults_and_dead_letters_after_the_same_attempts()
    {
        var defaults = new PubSubSourceOptions();
        var subscription = Tf.Resource("google_pubsub_subscription.load");
        Assert.Equal("${local.push_ack_deadline_seconds}", subscription.String("ack_deadline_seconds"));
        var deadlines = Conditional().Match(Tf.Locals["push_ack_deadline_seconds"].GetString()!);
        Assert.True(deadlines.Success, "push_ack_deadline_seconds is `load_sink == \"bigquery-load\" ? N : M`");
        var loadJobDeadline = TimeSpan.FromSeconds(int.Parse(deadlines.Groups[1].Value, CultureInfo.InvariantCulture));
        var streamingDeadline = TimeSpan.FromSeconds(int.Parse(deadlines.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal(defaults.AckDeadline, streamingDeadline);
        Assert.Equal(TimeSpan.FromSeconds(600), loadJobDeadline); // the API's maximum

        // The function answers (503, redelivery) before Pub/Sub gives up, and a load-job call fits its wait for the next job.
        var timeouts = Conditional().Match(Tf.Locals["push_response_timeout"].GetString()!);
        Assert.True(timeouts.Success, "push_response_timeout is `load_sink == \"bigquery-load\" ? \"…\" : \"…\"`");
        var loadJobTimeout = TimeSpan.Parse(timeouts.Groups[1].Value, CultureInfo.InvariantCulture);
        var streamingTimeout = TimeSpan.Parse(timeouts.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(streamingTimeout, TimeSpan.FromSeconds(1), streamingDeadline - TimeSpan.FromSeconds(1));
        Assert.InRange(loadJobTimeout, new BigQueryLoadSinkOptions().MinLoadInterval * 2, loadJobDeadline - TimeSpan.FromSeconds(1));
        var deadLetter = subscription.Block("dead_letter_policy");
        Assert.Equal(defaults.MaxDeliveryAttempts, deadLetter.GetProperty("max_delivery_attempts").GetInt32());
        Assert.Equal("google_pubsub_topic.dead_letter", TerraformModel.ReferencedResource(deadLetter.GetProperty("dead_letter_topic").GetString()));
        // Pub/Sub's own defaults, stated so a console change shows up as drift: 7 days, backoff 10 s to 600 s, never expire.
        Assert.Equal("604800s", subscription.String("message_retention_duration"));
        var retry = subscription.Block("retry_policy");
        Assert.Equal("10s", retry.GetProperty("minimum_backoff").GetString());
        Assert.Equal("600s", retry.GetProperty("maximum_backoff").GetString());
        Assert.Equal(string.Empty, subscription.Block("expiration_policy").GetProperty("ttl").GetString());
        Assert.Equal("google_pubsub_topic.posts", TerraformModel.ReferencedResource(subscription.String("topic")));
    }

    [SkippableFact]
    public void Topic_subscription_dataset_table_and_location_default_to_the_gcp_profiles_names()
    {
        using var profile = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "samples", "TweetStream.Worker", "appsettings.gcp.json")));
        var pubsub = profile.RootElement.GetProperty("TweetStream").GetProperty("PubSub");
        var bigquery = profile.RootElement.GetProperty("TweetStream").GetProperty("BigQuery");
        Assert.Equal(pubsub.GetProperty("TopicId").GetString(), Tf.Default("topic_id")?.GetString());
        Assert.Equal(pubsub.GetProperty("SubscriptionId").GetString(), Tf.Default("subscription_id")?.GetString());
        Assert.Equal(bigquery.GetProperty("DatasetId").GetString(), Tf.Default("dataset_id")?.GetString());
        Assert.Equal(bigquery.GetProperty("TableId").GetString(), Tf.Default("table_id")?.GetString());
        Assert.Equal(bigquery.GetProperty("Location").GetString(), Tf.Default("bigquery_location")?.GetString());
    }

    [SkippableFact]
    public void The_table_is_day_partitioned_and_clustered_as_the_library_creates_it_from_the_generated_schema_file()
    {
        var table = Tf.Resource("google_bigquery_table.posts");
        var partitioning = table.Block("time_partitioning");
        Assert.Equal("DAY", partitioning.GetProperty("type").GetString());
        Assert.Equal(BigQueryPostSchema.PartitionField, partitioning.GetProperty("field").GetString());
        var clustering = table.Body.GetProperty("clustering").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(new BigQueryLoadSinkOptions().ClusteringFields, new BigQueryStreamingSinkOptions().ClusteringFields);
        Assert.Equal(new BigQueryStreamingSinkOptions().ClusteringFields.Split(',', StringSplitOptions.TrimEntries), clustering);
        Assert.Equal("${file(\"${path.module}/schema/posts.json\")}", table.String("schema"));
    }

    [Fact]
    public void The_schema_file_is_the_one_generated_from_the_librarys_bigquery_schema()
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, TerraformModel.Directory, "schema", "posts.json");
        var expected = BigQueryPostSchema.ToSchemaJson();
        Assert.True(File.Exists(path), "deploy/terraform/schema/posts.json is missing");
        Assert.True(expected == File.ReadAllText(path).ReplaceLineEndings("\n"),
            "deploy/terraform/schema/posts.json differs from BigQueryPostSchema; regenerate it with\n"
            + "  dotnet run -c Release --project benchmarks/TweetStream.Benchmarks -- schema --out deploy/terraform/schema/posts.json");
        using var parsed = JsonDocument.Parse(expected);
        Assert.Equal(BigQueryPostSchema.Fields.Select(f => f.Name), parsed.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }

    [SkippableFact]
    public void No_output_carries_a_secret_and_no_secret_value_passes_through_terraform()
    {
        foreach (var (name, output) in Tf.Outputs)
        {
            var text = string.Join(' ', TerraformModel.Strings(output));
            Assert.DoesNotMatch(SecretMaterial(), text);
            Assert.False(output.TryGetProperty("sensitive", out _), $"output {name} is marked sensitive: outputs hold names and addresses only");
        }

        // Secret values are added with gcloud, so they are never in a variable, a plan or the state.
        Assert.Empty(Tf.OfType("google_secret_manager_secret_version"));
        Assert.DoesNotContain(Tf.Variables.Keys, v => SecretName().IsMatch(v));
    }

    [SkippableFact]
    public void Secrets_reach_the_services_only_from_secret_manager()
    {
        foreach (var service in Tf.OfType("google_cloud_run_v2_service"))
        {
            var container = service.Block("template").GetProperty("containers")[0];
            var envs = container.GetProperty("env").EnumerateArray().ToList();
            if (container.TryGetProperty("dynamic", out var dynamic))
            {
                envs.AddRange(dynamic.GetProperty("env").EnumerateArray().Select(d => d.GetProperty("content")[0]));
            }

            foreach (var env in envs.Where(e => SecretSetting().IsMatch(e.GetProperty("name").GetString()!)))
            {
                Assert.False(env.TryGetProperty("value", out _), $"{service.Address} sets {env.GetProperty("name")} as a plain value");
                var reference = env.GetProperty("value_source")[0].GetProperty("secret_key_ref")[0].GetProperty("secret").GetString();
                Assert.StartsWith("google_secret_manager_secret.", TerraformModel.ReferencedResource(reference), StringComparison.Ordinal);
            }
        }

        var ingestEnv = Tf.Resource("google_cloud_run_v2_service.ingest").Block("template").GetProperty("containers")[0];
        Assert.Contains("TweetStream__X__BearerToken", TerraformModel.Strings(ingestEnv));
    }

    [SkippableFact]
    public void Ingest_runs_exactly_one_always_on_instance_and_only_it_reaches_the_internet()
    {
        var ingest = Tf.Resource("google_cloud_run_v2_service.ingest");
        var template = ingest.Block("template");
        var scaling = template.GetProperty("scaling")[0];
        Assert.Equal(1, scaling.GetProperty("min_instance_count").GetInt32());
        Assert.Equal(1, scaling.GetProperty("max_instance_count").GetInt32());
        Assert.False(template.GetProperty("containers")[0].GetProperty("resources")[0].GetProperty("cpu_idle").GetBoolean());
        Assert.Equal("INGRESS_TRAFFIC_INTERNAL_ONLY", ingest.String("ingress"));
        Assert.False(template.TryGetProperty("vpc_access", out _), "ingest needs the internet (X, Mastodon, Bluesky)");

        foreach (var name in new[] { "function", "dashboard" })
        {
            var vpc = Tf.Resource("google_cloud_run_v2_service." + name).Block("template").GetProperty("vpc_access")[0];
            Assert.Equal("ALL_TRAFFIC", vpc.GetProperty("egress").GetString());
            Assert.Equal("google_compute_subnetwork.private", TerraformModel.ReferencedResource(vpc.GetProperty("network_interfaces")[0].GetProperty("subnetwork").GetString()));
        }

        // The private subnet reaches Google APIs and nothing else: no NAT, no router.
        Assert.True(Tf.Resource("google_compute_subnetwork.private").Body.GetProperty("private_ip_google_access").GetBoolean());
        Assert.DoesNotContain(Tf.Resources, r => r.Type is "google_compute_router_nat" or "google_compute_router");
        // The function takes only Pub/Sub's push (internal traffic); the dashboard only through its front door.
        Assert.Equal("INGRESS_TRAFFIC_INTERNAL_ONLY", Tf.Resource("google_cloud_run_v2_service.function").String("ingress"));
        Assert.Equal("${var.dashboard_front_door == \"iap\"}", Tf.Resource("google_cloud_run_v2_service.dashboard").String("iap_enabled"));
    }

    [SkippableFact]
    public void Services_probe_healthz_and_mount_the_data_volume_where_the_image_puts_data()
    {
        foreach (var service in Tf.OfType("google_cloud_run_v2_service"))
        {
            var container = service.Block("template").GetProperty("containers")[0];
            Assert.Equal("/healthz", container.GetProperty("startup_probe")[0].GetProperty("http_get")[0].GetProperty("path").GetString());
            Assert.Equal(ContainerConfigTests.DataDirectory, container.GetProperty("volume_mounts")[0].GetProperty("mount_path").GetString());
        }
    }

    [SkippableFact]
    public void Alerts_watch_the_backlog_age_dead_letters_and_ingest_liveness()
    {
        var filters = Tf.OfType("google_monitoring_alert_policy")
            .ToDictionary(r => r.Name, r => string.Join(' ', TerraformModel.Strings(r.Body)), StringComparer.Ordinal);
        Assert.Contains("subscription/oldest_unacked_message_age", filters["oldest_unacked"], StringComparison.Ordinal);
        Assert.Contains("${google_pubsub_subscription.load.name}", filters["oldest_unacked"], StringComparison.Ordinal);
        Assert.Contains("topic/send_message_operation_count", filters["dead_letters"], StringComparison.Ordinal);
        Assert.Contains("${google_pubsub_topic.dead_letter.name}", filters["dead_letters"], StringComparison.Ordinal);
        Assert.Contains("run.googleapis.com/container/instance_count", filters["ingest_not_running"], StringComparison.Ordinal);
        Assert.Contains("${local.ingest_service_name}", filters["ingest_not_running"], StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_images_terraform_deploys_are_the_repositories_the_projects_publish()
    {
        Assert.Contains("/tweetstream-worker:", Tf.Locals["worker_image"].GetString(), StringComparison.Ordinal);
        Assert.Contains("/tweetstream-function:", Tf.Locals["function_image"].GetString(), StringComparison.Ordinal);
        Assert.Equal("${local.worker_image}", Tf.Resource("google_cloud_run_v2_service.ingest").Block("template").GetProperty("containers")[0].GetProperty("image").GetString());
        Assert.Equal("${local.function_image}", Tf.Resource("google_cloud_run_v2_service.function").Block("template").GetProperty("containers")[0].GetProperty("image").GetString());
    }

    private static string Identity(string? member) => member switch
    {
        null => "?",
        "allUsers" => "allUsers",
        "${each.value}" => "iap_members",
        "${local.pubsub_service_agent}" => "pubsub-agent",
        _ when member.Contains("@gcp-sa-iap.iam.gserviceaccount.com", StringComparison.Ordinal) => "iap-agent",
        _ when member.StartsWith("principalSet://", StringComparison.Ordinal) && member.EndsWith("/attribute.repository/${var.github_repository}", StringComparison.Ordinal) => "github_repository",
        _ when ServiceAccountMember().Match(member) is { Success: true } m => m.Groups[1].Value,
        _ => member,
    };

    private static string Target(TerraformResource grant)
    {
        if (grant.Type == "google_project_iam_member")
        {
            return "project";
        }

        foreach (var attribute in new[] { "topic", "subscription", "secret_id", "table_id", "name", "service_account_id", "cloud_run_service_name", "repository" })
        {
            if (TerraformModel.ReferencedResource(grant.String(attribute)) is { } target)
            {
                return target;
            }
        }

        return "?";
    }

    [GeneratedRegex(@"^\$\{var\.load_sink == ""bigquery-load"" \? ""?([0-9:]+)""? : ""?([0-9:]+)""?\}$")]
    private static partial Regex Conditional();

    [GeneratedRegex(@"roles/(owner|editor|viewer)\b")]
    private static partial Regex PrimitiveRole();

    [GeneratedRegex(@"secret_data|_version\b|private_key|google_service_account_key|nonsensitive")]
    private static partial Regex SecretMaterial();

    // Names that would hold a secret value (an id such as hashing_key_id is not one).
    [GeneratedRegex(@"^(?!.*_id$).*(token|password|secret|hashing_key|private)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"BearerToken|Hashing__Key$|PasswordHash|Password$|ClientSecret|AccessToken")]
    private static partial Regex SecretSetting();

    [GeneratedRegex(@"^serviceAccount:\$\{google_service_account\.([a-z0-9_]+)(\[0\])?\.email\}$")]
    private static partial Regex ServiceAccountMember();
}
