using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Html;

/// <summary>Options of the HTML timeline page.</summary>
public sealed class HtmlOptions
{
    /// <summary>How stacks are folded (frames and weights are those of folded output). Default: stackcollapse-perf.pl's defaults.</summary>
    public FoldedOptions Folded { get; set; } = new();
    /// <summary>Page title; null: "Stackweave timeline".</summary>
    public string? Title { get; set; }
    /// <summary>Time buckets the whole axis is cut into (samples are pre-aggregated per bucket, lane and stack). Default 2000.</summary>
    public int Buckets { get; set; } = 2000;
    /// <summary>Width of the flame graph in pixels. Default 1200.</summary>
    public double Width { get; set; } = 1200;
    /// <summary>
    /// Where each source's timestamps go on the page's common axis: the one place that decides it. Null: each source on its
    /// own clock, relative to its earliest time (<see cref="SourcePlacement.OwnClock"/>); clock alignment plugs in here.
    /// </summary>
    public Func<Profile, SourcePlacement>? Placement { get; set; }
}

/// <summary>How one source's clock is placed on the page's axis: axis ns = source ns + <see cref="OffsetNs"/>.</summary>
/// <param name="OffsetNs">Added to the source's timestamps.</param>
/// <param name="How">How the offset was found, shown in the alignment facts.</param>
/// <param name="Utc">True when the axis is UTC Unix nanoseconds (the page then shows the absolute start as a date).</param>
/// <param name="Residual">The alignment's residual or uncertainty as text, when known.</param>
public sealed record SourcePlacement(long OffsetNs, string How, bool Utc, string? Residual = null)
{
    /// <summary>The default: a source on its own clock with its earliest timestamp at 0 (not aligned with the others).</summary>
    public static SourcePlacement OwnClock(Profile profile)
    {
        var earliest = HtmlTimelineWriter.EarliestTime(profile);
        return new SourcePlacement(earliest is { } e ? -e : 0, "own clock, 0 = its earliest time (not aligned with other sources)", false);
    }

    /// <summary>A source timestamp on the axis.</summary>
    public long ToAxis(long sourceNs) => sourceNs + OffsetNs;
}

/// <summary>What the HTML writer drew.</summary>
public sealed class HtmlResult
{
    /// <summary>Lanes (one per source and thread, plus one per source for samples without time, one for marks without thread).</summary>
    public int Lanes { get; internal set; }
    /// <summary>Non-empty (lane, bucket, stack) cells shipped.</summary>
    public long Cells { get; internal set; }
    /// <summary>Marks drawn.</summary>
    public long Marks { get; internal set; }
    /// <summary>Nanoseconds per time bucket.</summary>
    public long BucketNs { get; internal set; }
    /// <summary>Axis time of bucket 0's start.</summary>
    public long StartNs { get; internal set; }
}
