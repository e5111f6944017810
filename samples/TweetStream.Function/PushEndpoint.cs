using Microsoft.Extensions.Options;

namespace TweetStream.Function;

/// <summary>Handles one Pub/Sub push delivery: verify, decode, hand to the pipeline, answer once settled.</summary>
/// <remarks>
/// Pub/Sub treats 102/200/201/202/204 as an ack and anything else as a nack to redeliver with backoff. So:
/// 204 once every sink committed the post or it was dead-lettered (undecodable input, permanent sink failure,
/// retries exhausted: all recorded); 429 when the queue is full; 503 when the message did not settle within
/// <see cref="PushEndpointOptions.ResponseTimeout"/> (a sink outage) or the host is stopping.
/// </remarks>
internal static class PushEndpoint
{
    public static async Task<IResult> HandleAsync(
        HttpContext context,
        PushSource source,
        IPushTokenVerifier verifier,
        IOptions<PushEndpointOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("TweetStream.Function.Push");
        var aborted = context.RequestAborted;
        switch (await verifier.VerifyAsync(context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, aborted).ConfigureAwait(false))
        {
            case TokenCheck.Valid:
                break;
            case TokenCheck.Forbidden:
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            case TokenCheck.Unavailable:
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            default:
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await context.Request.Body.CopyToAsync(buffer, aborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        var message = PushMessageDecoder.Decode(context.Request.Headers, context.Request.ContentType, body);
        if (message.Error is not null)
        {
            Log.Malformed(logger, message.MessageId, message.Error);
        }

        var receivedAt = time.GetUtcNow();
        var result = source.TryEnqueue(
            ack =>
            {
                var item = message.Post is { } post
                    ? SourceItem.ForPost(post.ReceivedAt == default ? post with { ReceivedAt = receivedAt } : post, message.EncodedSize, ack)
                    : SourceItem.Malformed(message.Error!, body, ack);
                return message.TraceContext == default ? item : item.WithTraceContext(message.TraceContext);
            },
            out var settlement);
        switch (result)
        {
            case PushEnqueueResult.Busy:
                Log.Busy(logger, source.Capacity);
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            case PushEnqueueResult.Stopped:
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        var timeout = options.Value.ResponseTimeout;
        try
        {
            var settled = await settlement.WaitAsync(timeout, time, aborted).ConfigureAwait(false);
            return settled == PushSettlement.Acknowledged
                ? Results.NoContent()
                : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        catch (TimeoutException)
        {
            // The item stays in the pipeline's retries; if it commits later the redelivery is a harmless duplicate.
            Log.CommitTimedOut(logger, message.MessageId, timeout);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }
}
