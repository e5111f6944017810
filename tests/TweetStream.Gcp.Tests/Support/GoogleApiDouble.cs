using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TweetStream.Gcp.Tests.Support;

/// <summary>A fault the server applies to the next matching request.</summary>
/// <param name="Status">HTTP status to answer with (0: none).</param>
/// <param name="StatusName">Canonical status in the error body.</param>
/// <param name="Reason">Reason in <c>errors[0].reason</c>.</param>
/// <param name="Reset">Abort the connection instead of answering.</param>
/// <param name="Delay">Wait (real time) before handling.</param>
public sealed record Fault(int Status = 0, string? StatusName = null, string? Reason = null, bool Reset = false, TimeSpan Delay = default)
{
    public static Fault Http(int status, string statusName, string? reason = null) => new(status, statusName, reason);

    public static Fault ConnectionReset { get; } = new(Reset: true);
}

/// <summary>One request as the server saw it.</summary>
public sealed record RecordedRequest(string Operation, string Method, string Path, string? Authorization, string? QuotaProject, string? ContentEncoding, int BodyBytes, int StatusCode, JsonElement? Body);

/// <summary>What the Google API doubles share: a Kestrel host on 127.0.0.1, injected faults and Google's error body.</summary>
internal static class GoogleApiDouble
{
    public static WebApplication Create(long maxRequestBodyBytes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = maxRequestBodyBytes;
        });
        return builder.Build();
    }

    /// <summary>Starts serving <paramref name="handler"/>; returns the base address, ending in <c>/</c>.</summary>
    public static async Task<string> StartAsync(WebApplication app, RequestDelegate handler)
    {
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.EndsWith('/') ? address : address + "/";
    }

    public static async ValueTask StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>The request body, gunzipped when the client compressed it.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var input = request.Headers.ContentEncoding.ToString() == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        await input.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>What the server saw, for the tests' assertions.</summary>
    public static RecordedRequest Record(HttpRequest request, string operation, string path, int bodyBytes, int status, JsonElement? json) => new(
        operation,
        request.Method,
        path,
        request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null,
        request.Headers.TryGetValue("x-goog-user-project", out var quota) ? quota.ToString() : null,
        request.Headers.ContentEncoding.Count > 0 ? request.Headers.ContentEncoding.ToString() : null,
        bodyBytes,
        status,
        json);

    /// <summary>Answers with a JSON body unless the connection was aborted (status -1).</summary>
    public static async Task RespondAsync(HttpContext context, int status, string? body)
    {
        if (status >= 0)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(body ?? "{}");
        }
    }

    /// <summary>
    /// Applies <paramref name="fault"/>: null when the request goes on normally, status -1 when the connection was
    /// aborted (or the client gave up during the delay), otherwise the error to answer.
    /// </summary>
    public static async Task<(int Status, string? Body)?> ApplyFaultAsync(HttpContext context, Fault fault)
    {
        if (fault.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(fault.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return (-1, null);
            }
        }

        if (fault.Reset)
        {
            context.Abort();
            return (-1, null);
        }

        return fault.Status != 0 ? Error(fault.Status, fault.StatusName ?? "UNKNOWN", "injected fault", fault.Reason) : null;
    }

    /// <summary>Google's JSON error body: <c>{"error":{"code","message","status","errors":[{"reason","message"}]}}</c>.</summary>
    public static (int Status, string Body) Error(int status, string statusName, string message, string? reason = null, string? domain = null)
    {
        var error = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = statusName };
        if (reason is not null)
        {
            var detail = new JsonObject { ["reason"] = reason, ["message"] = message };
            if (domain is not null)
            {
                detail["domain"] = domain;
            }

            error["errors"] = new JsonArray(detail);
        }

        return (status, new JsonObject { ["error"] = error }.ToJsonString());
    }
}
