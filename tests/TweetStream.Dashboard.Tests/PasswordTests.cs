using System.Net;
using Microsoft.AspNetCore.Identity;
using TweetStream.Dashboard.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed class PasswordTests
{
    [Fact]
    public async Task First_start_generates_a_password_prints_it_once_and_stores_only_its_hash()
    {
        using var data = new TempDirectory();
        var hashFile = data.Combine("dashboard-password.hash");

        string password;
        await using (var first = await DashboardHost.StartAsync(dataDirectory: data.Path, setPassword: false))
        {
            var printed = first.Console.Lines.Where(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
            password = Assert.Single(printed).Trim();
            Assert.True(password.Length >= 20);
            Assert.Single(first.Console.Lines, l => l.Contains(password, StringComparison.Ordinal));

            var stored = File.ReadAllText(hashFile).Trim();
            Assert.StartsWith("pbkdf2-sha256$600000$", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(hashFile));
            }

            Assert.DoesNotContain(first.Logs.Lines, l => l.Contains(password, StringComparison.Ordinal));
            using var client = await first.LoggedInClientAsync(password);
        }

        await using var second = await DashboardHost.StartAsync(dataDirectory: data.Path, setPassword: false);
        Assert.Empty(second.Console.Lines);
        using var again = await second.LoggedInClientAsync(password);
        using var wrong = await DashboardHost.PostLoginAsync(second.CreateClient(), password + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task A_configured_password_never_generates_one()
    {
        using var data = new TempDirectory();

        await using var host = await DashboardHost.StartAsync(dataDirectory: data.Path);

        Assert.Empty(host.Console.Lines);
        Assert.False(File.Exists(data.Combine("dashboard-password.hash")));
    }

    [Fact]
    public void Hash_is_salted_pbkdf2_sha256_with_600k_iterations_and_verifies()
    {
        var a = DashboardPassword.Hash("s3cret");
        var b = DashboardPassword.Hash("s3cret");

        Assert.NotEqual(a, b);
        var parts = a.Split('$');
        Assert.Equal(["pbkdf2-sha256", "600000"], parts[..2]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.True(DashboardPassword.TryCreateVerifier(a, out var verify, out _));
        Assert.True(verify!("s3cret"));
        Assert.False(verify("s3cret "));
        Assert.False(verify("S3cret"));
    }

    [Fact]
    public void Hashes_under_100k_iterations_are_refused()
    {
        var strong = DashboardPassword.Hash("pw", DashboardPassword.MinimumIterations).Split('$');
        var weak = string.Join('$', strong[0], "99999", strong[2], strong[3]);

        Assert.False(DashboardPassword.TryCreateVerifier(weak, out _, out var error));
        Assert.Contains("100000", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => DashboardPassword.Hash("pw", 99_999));
    }

    [Fact]
    public async Task An_aspnet_core_identity_hash_is_accepted()
    {
        var hash = new PasswordHasher<object>().HashPassword(new object(), "identity-pw");
        await using var host = await DashboardHost.StartAsync(o => o.PasswordHash = hash);

        using var client = await host.LoggedInClientAsync("identity-pw");
        using var wrong = await DashboardHost.PostLoginAsync(host.CreateClient(), "identity-pX");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }
}
