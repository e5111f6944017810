using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace TweetStream.Pipeline;

/// <summary>
/// Runs one pipeline: source → bounded buffer → batcher → transforms → sinks → acknowledgements.
/// </summary>
/// <remarks>
/// Delivery is at-least-once. An item is acknowledged to its source only once every sink committed it,
/// a transform filtered it, or it was dead-lettered; whatever has not settled when the drain deadline
/// passes stays unacknowledged so a resumable source redelivers it.
/// </remarks>
internal sealed class TweetPipeline
{
    private readonly string _name;
    private readonly ITweetSource _source;
    private readonly IReadOnlyList<ITransform> _transforms;
    private readonly IReadOnlyList<ISink> _sinks;
    private readonly IDeadLetterSink _deadLetters;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PipelineMetrics _metrics;
    private readonly TagList _tags;
    private readonly ResiliencePipeline<int> _sinkRetry;
    private readonly ResiliencePipeline _transformRetry;
    private readonly SpillBuffer? _spill;
    private readonly RepeatedWarnings _warnings;
    private readonly Dictionary<object, StageCircuit> _circuits = new(ReferenceEqualityComparer.Instance);

    public TweetPipeline(
        string name,
        ITweetSource source,
        IReadOnlyList<ITransform> transforms,
        IReadOnlyList<ISink> sinks,
        IDeadLetterSink deadLetters,
        PipelineOptions options,
        TimeProvider time,
        ILogger logger,
        PipelineMetrics metrics,
        SpillBuffer? spill = null)
    {
        if (sinks.Count == 0)
        {
            throw new InvalidOperationException($"Pipeline '{name}' has no sink; add one (for example AddSqliteStore or AddSink<T>).");
        }

        _name = name;
        _source = source;
        _transforms = transforms;
        _sinks = sinks;
        _deadLetters = deadLetters;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _spill = source.Delivery == SourceDelivery.Push ? spill : null;
        _tags = new TagList { { "pipeline", name } };
        _warnings = new RepeatedWarnings(logger, time, options.WarningInterval);
        foreach (var sink in sinks)
        {
            _circuits[sink] = new StageCircuit("sink:" + sink.Name, name, Statistics, logger, time);
        }

        foreach (var transform in transforms)
        {
            _circuits[transform] = new StageCircuit("transform:" + transform.Name, name, Statistics, logger, time);
        }

        // One retry shape for sinks and transforms: exponential backoff with jitter, bounded attempts,
        // on the injected clock. Sinks retry when any item was reported retryable or the call threw.
        _sinkRetry = new ResiliencePipelineBuilder<int> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<int>
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex ? ex is not (PermanentSinkException or OperationCanceledException) : args.Outcome.Result > 0),
                MaxRetryAttempts = Math.Max(1, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = _ =>
                {
                    Statistics.AddRetry();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        _transformRetry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TransientException>(),
                MaxRetryAttempts = Math.Max(1, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    Statistics.AddRetry();
                    _warnings.TransformRetry("transform", args.Outcome.Exception?.Message ?? "unknown");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string Name => _name;

    public PipelineStatistics Statistics { get; } = new();

    /// <summary>
    /// Runs until the source ends (finite sources) or <paramref name="stoppingToken"/> is cancelled, then
    /// drains within <see cref="PipelineOptions.DrainTimeout"/>.
    /// </summary>
    /// <returns>The statistics of the run.</returns>
    /// <exception cref="Exception">The source's failure, after draining.</exception>
    public async Task<PipelineStatistics> RunAsync(CancellationToken stoppingToken)
    {
        Log.PipelineStarted(_logger, _name, _source.Name, _transforms.Count, string.Join(",", _sinks.Select(s => s.Name)));
        var channel = Channel.CreateBounded<SourceItem>(new BoundedChannelOptions(BufferCapacityFor(_source.Delivery, _options))
        {
            SingleReader = true,
            SingleWriter = _spill is null, // the spill drainer writes too
            FullMode = BoundedChannelFullMode.Wait,
        });

        // The hard token cancels in-flight work once the drain deadline has passed after a stop request.
        using var hard = new CancellationTokenSource();
        using var deadline = stoppingToken.Register(() => StartDrainDeadline(hard));

        using var spillStop = CancellationTokenSource.CreateLinkedTokenSource(hard.Token);
        try
        {
            // Sink lifecycle: started before the first batch, flushed after the last (see ISink).
            foreach (var sink in _sinks)
            {
                await sink.StartAsync(stoppingToken).ConfigureAwait(false);
            }

            var drainer = Task.CompletedTask;
            if (_spill is not null)
            {
                if (_spill.Pending > 0)
                {
                    Log.SpillRecovered(_logger, _name, _spill.Pending);
                }

                drainer = Task.Run(() => DrainSpillAsync(channel.Writer, spillStop.Token), CancellationToken.None);
            }

            var reader = Task.Run(() => ReadSourceAsync(channel.Writer, spillStop, drainer, stoppingToken, hard.Token), CancellationToken.None);
            await BatchLoopAsync(channel.Reader, hard.Token).ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
        finally
        {
            await FlushSinksAsync().ConfigureAwait(false);

            // The source owns checkpoints and connections; it flushes and closes them after the last ack.
            switch (_source)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }

            if (_deadLetters is IDisposable d)
            {
                d.Dispose();
            }

            _spill?.Dispose();
            _warnings.Stop();

            foreach (var circuit in _circuits.Values)
            {
                circuit.Dispose();
            }
        }

        Log.PipelineStopped(_logger, _name, Statistics.ToString());
        return Statistics;
    }

    /// <summary>Flushes every sink once, each within its own drain deadline; a failing flush is logged, not thrown.</summary>
    private async Task FlushSinksAsync()
    {
        foreach (var sink in _sinks)
        {
            using var deadline = new CancellationTokenSource(_options.DrainTimeout, _time);
            try
            {
                await sink.FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.SinkFlushFailed(_logger, ex, sink.Name);
            }
        }
    }

    /// <summary>
    /// A pull source loses nothing by waiting, so it reads only <see cref="PullReadAhead"/> posts ahead of the batcher:
    /// every post waiting in the buffer outlives a collection or two and is copied into the older generations, which
    /// cost more than reading on demand. Push sources get the whole capacity to absorb bursts.
    /// </summary>
    internal static int BufferCapacityFor(SourceDelivery delivery, PipelineOptions options) =>
        delivery == SourceDelivery.Push ? options.BufferCapacity : Math.Min(options.BufferCapacity, PullReadAhead);

    /// <summary>
    /// How far a pull source reads ahead. Measured on a million PII-dense posts in process (five alternating runs
    /// each): two batches (1,000) 246,900 posts/s with 561 ms of GC pauses; 100, 261,200 and 370 ms; 16, 266,600
    /// to 270,900 and 344 to 349 ms. When both cores are saturated the reader sometimes waits for a thread longer
    /// than the batch's delay, so a batch whose reader is busy gets more time (ReadBatchAsync) rather than going out
    /// short.
    /// </summary>
    internal const int PullReadAhead = 16;

    private ITimer? _drainTimer;
    private long _bufferedBytes;

    // Read from the channel but left out of the last batch by its byte bound; only the batch loop touches it.
    private SourceItem? _carried;

    // Whether the reader is awaiting its source (rather than holding a post it has not handed over yet).
    private bool _sourceWaiting;

    /// <summary>How many more delays a pull batch may wait while its reader is busy (see ReadBatchAsync).</summary>
    internal const int MaxFillExtensions = 2;

    private void StartDrainDeadline(CancellationTokenSource hard)
    {
        _drainTimer = _time.CreateTimer(
            static state =>
            {
                try
                {
                    ((CancellationTokenSource)state!).Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The run finished before the deadline.
                }
            },
            hard,
            _options.DrainTimeout,
            Timeout.InfiniteTimeSpan);
    }

    /// <summary>Hands what the spill buffer holds back to the batcher, in order, as the buffer makes room.</summary>
    private async Task DrainSpillAsync(ChannelWriter<SourceItem> writer, CancellationToken cancellationToken)
    {
        try
        {
            await _spill!.DrainAsync(
                async (item, ct) =>
                {
                    Interlocked.Add(ref _bufferedBytes, item.EncodedSize);
                    await writer.WriteAsync(item, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what is still on disk is delivered after the restart.
        }
        catch (ChannelClosedException)
        {
        }
    }

    private async Task ReadSourceAsync(ChannelWriter<SourceItem> writer, CancellationTokenSource spillStop, Task drainer, CancellationToken stopping, CancellationToken hard)
    {
        Exception? failure = null;
        var push = _source.Delivery == SourceDelivery.Push;
        try
        {
            var items = _source.ReadAsync(stopping).GetAsyncEnumerator();
            await using var itemsDisposal = items.ConfigureAwait(false);
            while (true)
            {
                // Waiting on the source, as opposed to holding or making a post: a batch then closes on its delay.
                var next = items.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    Volatile.Write(ref _sourceWaiting, true);
                }

                var more = await next.ConfigureAwait(false);
                Volatile.Write(ref _sourceWaiting, false);
                if (!more)
                {
                    break;
                }

                var item = items.Current;
                RecordRead(item);
                if (push)
                {
                    // Count the bytes first so the batcher's decrement can never precede this increment.
                    var buffered = Interlocked.Add(ref _bufferedBytes, item.EncodedSize);

                    // While the disk holds items, new ones queue behind them there, so delivery stays in order.
                    if (_spill is { Pending: > 0 } || buffered > _options.BufferMaxBytes || !writer.TryWrite(item))
                    {
                        Interlocked.Add(ref _bufferedBytes, -item.EncodedSize);
                        if (_spill is not null && _spill.TryAppend(item))
                        {
                            Statistics.AddSpilled();
                            if (Statistics.Spilled % 10_000 == 1)
                            {
                                Log.Spilling(_logger, _source.Name, Statistics.Spilled, _spill.Bytes);
                            }

                            // Durable in the buffer now: the source may move its cursor past it.
                            await item.Acknowledgement.AcknowledgeAsync(hard).ConfigureAwait(false);
                            continue;
                        }

                        Statistics.AddShed();
                        _metrics.Shed.Add(1, _tags);
                        _warnings.Shed(_source.Name);
                        await item.Acknowledgement.RejectAsync(hard).ConfigureAwait(false);
                    }
                }
                else
                {
                    await writer.WriteAsync(item, hard).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || hard.IsCancellationRequested)
        {
            // Stopping: what was read is drained by the batcher.
        }
        catch (Exception ex)
        {
            Log.SourceFailed(_logger, ex, _source.Name);
            failure = ex;
        }
        finally
        {
            // The drainer writes into the same channel: stop it before completing the channel.
            await spillStop.CancelAsync().ConfigureAwait(false);
            await drainer.ConfigureAwait(false);
            writer.TryComplete();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"Source '{_source.Name}' of pipeline '{_name}' failed: {failure.Message}", failure);
        }
    }

    private async Task BatchLoopAsync(ChannelReader<SourceItem> reader, CancellationToken hard)
    {
        using var slots = new SemaphoreSlim(_options.MaxParallelBatches, _options.MaxParallelBatches);
        var inFlight = new HashSet<Task>();
        List<PipelineItem>? carry = null;
        try
        {
            while (true)
            {
                var batch = carry ?? await ReadBatchAsync(reader, hard).ConfigureAwait(false);
                carry = null;
                if (batch is null)
                {
                    break;
                }

                await slots.WaitAsync(hard).ConfigureAwait(false);
                var task = ProcessAndReleaseAsync(batch, slots, hard);
                lock (inFlight)
                {
                    inFlight.Add(task);
                }

                _ = task.ContinueWith(
                    t =>
                    {
                        lock (inFlight)
                        {
                            inFlight.Remove(t);
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested)
        {
            // Drain deadline passed: stop taking batches; what is in the buffer stays unacknowledged.
        }

        Task[] remaining;
        lock (inFlight)
        {
            remaining = [.. inFlight];
        }

        await Task.WhenAll(remaining).ConfigureAwait(false);
        if (hard.IsCancellationRequested && remaining.Length > 0)
        {
            Log.DrainTimedOut(_logger, _options.DrainTimeout, remaining.Length);
        }
    }

    private async Task<List<PipelineItem>?> ReadBatchAsync(ChannelReader<SourceItem> reader, CancellationToken hard)
    {
        if (_carried is null && !await reader.WaitToReadAsync(hard).ConfigureAwait(false))
        {
            return null;
        }

        var batch = new PipelineBatch(Math.Min(_options.BatchSize, 1024)) { ReadStartedAt = _time.GetUtcNow() };
        var bytes = 0L;
        var extended = 0;
        CancellationTokenSource? timer = null;
        CancellationTokenSource? delay = null;
        try
        {
            while (batch.Count < _options.BatchSize)
            {
                // One read per item (a peek before each read took the channel's lock twice); an item that would take
                // the batch past its byte bound is carried to the next batch instead of being put back.
                var next = _carried;
                _carried = null;
                if (next is not null || reader.TryRead(out next))
                {
                    if (batch.Count > 0 && bytes + next.EncodedSize > _options.BatchMaxBytes)
                    {
                        _carried = next;
                        break;
                    }

                    if (_source.Delivery == SourceDelivery.Push)
                    {
                        Interlocked.Add(ref _bufferedBytes, -next.EncodedSize);
                    }

                    batch.Add(new PipelineItem(next));
                    bytes += next.EncodedSize;
                    continue;
                }

                // Buffer empty: wait for more until the batch's delay runs out (on the injected clock).
                if (timer is null)
                {
                    (delay, timer) = ArmDelay(hard);
                }

                try
                {
                    if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (!hard.IsCancellationRequested)
                {
                    // A pull source's reader that is not waiting on its source holds or is making the next post, and
                    // on a saturated machine it may wait that long for a thread: the batch gets more time, twice at
                    // most, instead of going out short (a Pub/Sub request of 40 messages instead of 1,000).
                    if (_source.Delivery == SourceDelivery.Pull && !Volatile.Read(ref _sourceWaiting) && extended++ < MaxFillExtensions)
                    {
                        timer.Dispose();
                        delay!.Dispose();
                        (delay, timer) = ArmDelay(hard);
                        continue;
                    }

                    break;
                }
            }
        }
        finally
        {
            timer?.Dispose();
            delay?.Dispose();
        }

        batch.ReadEndedAt = _time.GetUtcNow();
        return batch;
    }

    /// <summary>The batch's delay on the injected clock, and the token that fires on it or on the hard stop.</summary>
    private (CancellationTokenSource Delay, CancellationTokenSource Timer) ArmDelay(CancellationToken hard)
    {
        var delay = new CancellationTokenSource(_options.BatchMaxDelay, _time);
        return (delay, CancellationTokenSource.CreateLinkedTokenSource(hard, delay.Token));
    }

    private async Task ProcessAndReleaseAsync(List<PipelineItem> batch, SemaphoreSlim slots, CancellationToken hard)
    {
        try
        {
            await Task.Yield();
            await ProcessBatchAsync(batch, hard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested)
        {
            // Drain deadline: the batch stays unacknowledged.
        }
        finally
        {
            slots.Release();
        }
    }

    internal async Task ProcessBatchAsync(List<PipelineItem> batch, CancellationToken hard)
    {
        using var activity = PipelineTracing.StartBatch(_name, _source.Name, batch);
        Statistics.AddBatch();
        _metrics.BatchSize.Record(batch.Count, _tags);
        var sourceStage = "source:" + _source.Name;
        foreach (var item in batch)
        {
            if (item.Outcome == ItemOutcome.Failed)
            {
                item.FailedStage = sourceStage;
            }
        }

        var active = new List<PipelineItem>(batch.Count);
        foreach (var transform in _transforms)
        {
            CollectPending(batch, active);
            if (active.Count == 0)
            {
                break;
            }

            await ApplyTransformAsync(transform, active, hard).ConfigureAwait(false);
        }

        CollectPending(batch, active);
        if (active.Count > 0)
        {
            await WriteToSinksAsync(active, hard).ConfigureAwait(false);
        }

        await SettleAsync(batch, hard).ConfigureAwait(false);
    }

    private static void CollectPending(List<PipelineItem> batch, List<PipelineItem> active)
    {
        active.Clear();
        foreach (var item in batch)
        {
            if (item.Outcome == ItemOutcome.Pending)
            {
                active.Add(item);
            }
        }
    }

    private async Task ApplyTransformAsync(ITransform transform, List<PipelineItem> active, CancellationToken hard)
    {
        var view = new TransformBatch(active);
        using var span = PipelineTracing.StartStage("tweetstream.transform", "tweetstream.transform", transform.Name, active.Count);
        var circuit = _circuits[transform];
        while (true)
        {
            var turn = circuit.IsOpen ? await circuit.WaitForProbeAsync(_options.CircuitBreakDuration, hard).ConfigureAwait(false) : null;
            try
            {
                if (turn is not null)
                {
                    await transform.ApplyAsync(view, hard).ConfigureAwait(false); // the probe: one attempt
                }
                else
                {
                    await _transformRetry.ExecuteAsync(
                        static async (state, ct) => await state.transform.ApplyAsync(state.view, ct).ConfigureAwait(false),
                        (transform, view),
                        hard).ConfigureAwait(false);
                }

                circuit.Close();
                break;
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                throw;
            }
            catch (TransientException ex) when (_options.OnRetriesExhausted == RetryExhaustedAction.Hold)
            {
                // Hold: the items stay in this batch, unacknowledged, until a probe gets through.
                circuit.Open(ex.Message, active.Count, _options.CircuitBreakDuration);
            }
            catch (Exception ex)
            {
                // A transform that throws fails the items it was given; the pipeline goes on with other batches.
                var reason = ex is TransientException ? "retries exhausted: " + ex.Message : ex.Message;
                foreach (var item in active)
                {
                    if (item.Outcome == ItemOutcome.Pending)
                    {
                        item.Outcome = ItemOutcome.Failed;
                        item.Reason = reason;
                    }
                }

                break;
            }
            finally
            {
                turn?.Dispose();
            }
        }

        var stage = "transform:" + transform.Name;
        var failed = 0;
        foreach (var item in active)
        {
            if (item.Outcome == ItemOutcome.Failed && item.FailedStage is null)
            {
                item.FailedStage = stage;
                item.Reason ??= "rejected by transform";
                failed++;
            }
        }

        PipelineTracing.SetFailed(span, failed);
    }

    private async Task WriteToSinksAsync(List<PipelineItem> active, CancellationToken hard)
    {
        if (_sinks.Count == 1)
        {
            await WriteToSinkAsync(_sinks[0], active, hard).ConfigureAwait(false);
        }
        else
        {
            var writes = new Task[_sinks.Count];
            for (var i = 0; i < _sinks.Count; i++)
            {
                writes[i] = WriteToSinkAsync(_sinks[i], active, hard);
            }

            await Task.WhenAll(writes).ConfigureAwait(false);
        }

        foreach (var item in active)
        {
            if (item.Outcome == ItemOutcome.Pending)
            {
                item.Outcome = ItemOutcome.Committed;
            }
        }
    }

    /// <summary>Writes the items to one sink, retrying only the items the sink could not commit.</summary>
    /// <remarks>
    /// When retryable failures outlast the retry budget, <see cref="PipelineOptions.OnRetriesExhausted"/> decides:
    /// hold the items (the sink's circuit opens and this batch waits for probes) or dead-letter them.
    /// </remarks>
    private async Task WriteToSinkAsync(ISink sink, List<PipelineItem> items, CancellationToken hard)
    {
        // Never modified, only replaced: several sinks read the caller's list at once, and most writes commit everything
        // at the first attempt, so they need no copy of it.
        var pending = items;
        Dictionary<PipelineItem, string>? failures = null; // most writes commit everything: allocate only on failure
        var attempt = 0;
        string? lastReason = null;
        var stage = "sink:" + sink.Name;
        var circuit = _circuits[sink];
        using var span = PipelineTracing.StartStage("tweetstream.sink.write", "tweetstream.sink", sink.Name, items.Count);

        async ValueTask<int> AttemptAsync(CancellationToken ct)
        {
            attempt++;
            var posts = new Post[pending.Count];
            for (var i = 0; i < pending.Count; i++)
            {
                posts[i] = pending[i].Post!;
            }

            var sinkBatch = new SinkBatch(posts, posts.Length);
            try
            {
                await sink.WriteAsync(sinkBatch, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                lastReason = ex.Message;
                _metrics.Failed.Add(pending.Count, _tags);
                _warnings.SinkRetry(sink.Name, pending.Count, ex.Message);
                if (ex is PermanentSinkException)
                {
                    foreach (var item in pending)
                    {
                        (failures ??= [])[item] = ex.Message;
                    }

                    pending = [];
                    return 0;
                }

                throw;
            }

            if (!sinkBatch.HasFailures)
            {
                pending = [];
                return 0;
            }

            var next = new List<PipelineItem>();
            for (var i = 0; i < pending.Count; i++)
            {
                var failure = sinkBatch.GetFailure(i);
                if (failure is null)
                {
                    continue;
                }

                _metrics.Failed.Add(1, _tags);
                if (failure.Retryable)
                {
                    next.Add(pending[i]);
                    lastReason = failure.Reason;
                }
                else
                {
                    (failures ??= [])[pending[i]] = failure.Reason;
                }
            }

            if (next.Count > 0)
            {
                _warnings.SinkRetry(sink.Name, next.Count, lastReason ?? "retryable");
            }

            pending = next;
            return pending.Count;
        }

        while (true)
        {
            var turn = circuit.IsOpen ? await circuit.WaitForProbeAsync(_options.CircuitBreakDuration, hard).ConfigureAwait(false) : null;
            try
            {
                if (turn is not null)
                {
                    await AttemptAsync(hard).ConfigureAwait(false); // the probe: one attempt, not a retry budget
                }
                else
                {
                    await _sinkRetry.ExecuteAsync(static (attempt, ct) => attempt(ct), (Func<CancellationToken, ValueTask<int>>)AttemptAsync, hard).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                lastReason = ex.Message;
            }
            finally
            {
                turn?.Dispose();
            }

            if (pending.Count == 0)
            {
                circuit.Close();
                break;
            }

            if (_options.OnRetriesExhausted == RetryExhaustedAction.DeadLetter)
            {
                break;
            }

            circuit.Open(lastReason ?? "retryable", pending.Count, _options.CircuitBreakDuration);
            Statistics.ReportSink(sink.Name, SinkHealthState.Open, _time.GetUtcNow(), lastReason);
        }

        foreach (var item in pending)
        {
            (failures ??= [])[item] = FormattableString.Invariant($"retries exhausted after {attempt} attempts: {lastReason}");
        }

        span?.SetTag("tweetstream.attempts", attempt);
        if (failures is null)
        {
            Statistics.ReportSink(sink.Name, SinkHealthState.Healthy, _time.GetUtcNow());
            return;
        }

        PipelineTracing.SetFailed(span, failures.Count);
        if (pending.Count > 0)
        {
            Statistics.ReportSink(sink.Name, SinkHealthState.Failing, _time.GetUtcNow(), lastReason);
        }

        // Several sinks may fail the same item concurrently; the first reason recorded wins.
        lock (items)
        {
            foreach (var (item, reason) in failures)
            {
                if (item.Outcome == ItemOutcome.Pending)
                {
                    item.Outcome = ItemOutcome.Failed;
                    item.Reason = reason;
                    item.FailedStage = stage;
                }
            }
        }
    }

    private async Task SettleAsync(List<PipelineItem> batch, CancellationToken hard)
    {
        using var span = PipelineTracing.StartStage("tweetstream.ack", "tweetstream.source", _source.Name, batch.Count);
        List<DeadLetter>? deadLetters = null;
        List<PipelineItem>? failed = null;
        foreach (var item in batch)
        {
            if (item.Outcome != ItemOutcome.Failed)
            {
                continue;
            }

            (deadLetters ??= []).Add(ToDeadLetter(item));
            (failed ??= []).Add(item);
        }

        if (deadLetters is not null)
        {
            try
            {
                await _sinkRetry.ExecuteAsync(
                    async ct =>
                    {
                        await _deadLetters.WriteAsync(deadLetters, ct).ConfigureAwait(false);
                        return 0;
                    },
                    hard).ConfigureAwait(false);
                foreach (var group in failed!.GroupBy(i => (i.FailedStage, i.Reason)))
                {
                    _warnings.DeadLettered(group.Count(), group.Key.FailedStage ?? "unknown", group.Key.Reason ?? "unknown");
                }

                Statistics.AddDeadLettered(deadLetters.Count);
                span?.SetTag("tweetstream.items.deadlettered", deadLetters.Count);
                _metrics.DeadLettered.Add(deadLetters.Count, _tags);
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                Log.DeadLetterSinkFailed(_logger, ex, deadLetters.Count);
                foreach (var item in failed!)
                {
                    item.Outcome = ItemOutcome.Abandoned;
                }
            }
        }

        var now = _time.GetUtcNow();
        long written = 0, dropped = 0;
        foreach (var item in batch)
        {
            switch (item.Outcome)
            {
                case ItemOutcome.Committed:
                    written++;
                    if (item.Post!.ReceivedAt != default)
                    {
                        _metrics.Latency.Record((now - item.Post.ReceivedAt).TotalMilliseconds, _tags);
                    }

                    break;
                case ItemOutcome.Dropped:
                    dropped++;
                    break;
                case ItemOutcome.Failed:
                    break;
                default:
                    continue;
            }

            try
            {
                await item.Acknowledgement.AcknowledgeAsync(hard).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                Log.AckFailed(_logger, ex, _source.Name);
            }
        }

        if (written > 0)
        {
            Statistics.AddWritten(written);
            _metrics.Written.Add(written, _tags);
        }

        if (dropped > 0)
        {
            Statistics.AddDropped(dropped);
            _metrics.Dropped.Add(dropped, _tags);
        }
    }

    private void RecordRead(SourceItem item)
    {
        var now = _time.GetUtcNow();
        TimeSpan? lag = item.Post is { ReceivedAt: var receivedAt } && receivedAt != default ? now - receivedAt : null;
        Statistics.RecordRead(item.EncodedSize, now, lag);
        _metrics.Received.Add(1, _tags);
        if (lag is { } l)
        {
            _metrics.SourceLag.Record(l.TotalMilliseconds, _tags);
        }
    }

    private DeadLetter ToDeadLetter(PipelineItem item)
    {
        var at = _time.GetUtcNow();
        var stage = item.FailedStage ?? "unknown";
        var reason = item.Reason ?? "unknown";
        if (item.Post is null)
        {
            return new DeadLetter(reason, stage, _source.Name, null, at, item.RawPayload, DeadLetterPayloadKind.Raw);
        }

        return new DeadLetter(reason, stage, item.Post.Source, item.Post.Id, at, PostJson.SerializeToUtf8Bytes(item.Post), DeadLetterPayloadKind.Post);
    }
}
