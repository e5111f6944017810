using Microsoft.Extensions.DependencyInjection;

namespace TweetStream;

/// <summary>Configures one named pipeline; every component is an extension method on this builder.</summary>
public interface ITweetStreamBuilder
{
    /// <summary>The service collection the pipeline is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>The pipeline's name; also the name of every options instance its components use.</summary>
    string Name { get; }
}

internal sealed class TweetStreamBuilder(IServiceCollection services, string name) : ITweetStreamBuilder
{
    public IServiceCollection Services { get; } = services;

    public string Name { get; } = name;
}

/// <summary>The components of one pipeline, collected from registrations as factories.</summary>
internal sealed class PipelineComponents
{
    public Func<IServiceProvider, ITweetSource>? Source { get; set; }

    public List<Func<IServiceProvider, ITransform>> Transforms { get; } = [];

    public List<Func<IServiceProvider, ISink>> Sinks { get; } = [];

    public Func<IServiceProvider, IDeadLetterSink>? DeadLetters { get; set; }
}

/// <summary>Which pipelines this host runs and how it behaves when they end.</summary>
public sealed class TweetStreamHostOptions
{
    /// <summary>Names of the registered pipelines.</summary>
    public IList<string> Pipelines { get; } = [];

    /// <summary>Stop the host once every pipeline has finished (finite sources, <c>--once</c>). Default false.</summary>
    public bool StopHostWhenComplete { get; set; }
}
