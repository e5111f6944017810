using System.ComponentModel.DataAnnotations;

namespace TweetStream;

/// <summary>Settings of the replay source, which reads recorded X API v2 stream lines from an NDJSON file.</summary>
/// <remarks>
/// The file holds one stream message per line, exactly as the X filtered stream sends them (plain, or gzip
/// when the name ends in <c>.gz</c> or the content starts with the gzip magic bytes). Blank keep-alive lines
/// are skipped; lines that cannot be decoded are dead-lettered with the reason.
/// </remarks>
public sealed class ReplayOptions
{
    /// <summary>The NDJSON file to read (<c>.ndjson</c> or <c>.ndjson.gz</c>). Required.</summary>
    [Required]
    public string? Path { get; set; }

    /// <summary>
    /// Where the acknowledged offset is kept. When set, a restart resumes after the last line every earlier
    /// line of which was acknowledged (at-least-once: lines in flight at a crash are read again). Default none:
    /// every run reads the file from the start.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>
    /// Pace the replay to real time: wait between posts for the gap between their <c>created_at</c>
    /// (divided by <see cref="Speed"/>, each wait capped at 5 seconds). Default false: read as fast as the
    /// pipeline takes posts.
    /// </summary>
    public bool Pace { get; set; }

    /// <summary>Pacing speed-up factor when <see cref="Pace"/> is on: 2 plays twice as fast. Default 1.</summary>
    [Range(0.001, 1_000_000.0)]
    public double Speed { get; set; } = 1.0;

    /// <summary>
    /// Give each replayed post the time it was replayed as its creation time, so a recorded stream looks
    /// live (dashboards, soak tests). Default false: posts keep their recorded <c>created_at</c>.
    /// </summary>
    public bool RebaseTimestamps { get; set; }

    /// <summary>
    /// Start again at the beginning after the end, for a never-ending demo. Default false. With
    /// <see cref="RebaseTimestamps"/>, every pass after the first gives its posts fresh ids (the recorded id plus
    /// <c>-r</c>, the pass number and the pass's start in unix seconds), so a pass adds posts instead of moving the last pass's.
    /// </summary>
    public bool Loop { get; set; }

    /// <summary>
    /// With <see cref="RebaseTimestamps"/>: read the first pass at once, unpaced, and spread it over this window
    /// ending now (each post keeps its offset from the recording's first post, and none lands after now), so a
    /// demo's last day is full the moment it starts. Later passes are paced and rebased as usual. Default zero: off.
    /// </summary>
    public TimeSpan Backfill { get; set; }
}
