using Stackweave.Formats.Folded;

namespace Stackweave.Formats.Svg;

/// <summary>Options of the SVG flame graph writer; defaults are flamegraph.pl's (FlameGraph 41fee1f).</summary>
public sealed class SvgOptions
{
    /// <summary>How stacks are folded (the same options give the same frames and weights as folded output). Default: stackcollapse-perf.pl's defaults.</summary>
    public FoldedOptions Folded { get; set; } = new();
    /// <summary>Title at the top; null: "Flame Graph" ("Icicle Graph" inverted, "Differential Flame Graph" with a base).</summary>
    public string? Title { get; set; }
    /// <summary>Image width in pixels. Default 1200 (flamegraph.pl --width).</summary>
    public double Width { get; set; } = 1200;
    /// <summary>Frames narrower than this many pixels are merged with narrow neighbours or left out. Default 0.1 (flamegraph.pl --minwidth).</summary>
    public double MinWidth { get; set; } = 0.1;
    /// <summary>At most this many frames of the tree are drawn: the minimum width is raised until no more are wide enough (0: no limit). Default 10,000, which keeps a file under about 4 MB.</summary>
    public int MaxFrames { get; set; } = 10_000;
    /// <summary>Draw root at the top, stacks growing down (flamegraph.pl --inverted). Default false.</summary>
    public bool Icicle { get; set; }
    /// <summary>What a weight counts, in tooltips; null: "samples" (flamegraph.pl --countname).</summary>
    public string? CountName { get; set; }
}

/// <summary>What the SVG writer drew.</summary>
public sealed class SvgResult
{
    /// <summary>Frames written (the root and merged placeholders included).</summary>
    public int Frames { get; internal set; }
    /// <summary>Tree nodes left out because they were narrower than the minimum width.</summary>
    public int Omitted { get; internal set; }
    /// <summary>Placeholders standing for runs of narrow sibling frames.</summary>
    public int Merged { get; internal set; }
    /// <summary>The minimum width applied, in pixels (the option, or higher under <see cref="SvgOptions.MaxFrames"/>).</summary>
    public double EffectiveMinWidth { get; internal set; }
    /// <summary>Total weight (the root's).</summary>
    public UInt128 Total { get; internal set; }
    /// <summary>What the folded pass kept and skipped (null when drawn from lines).</summary>
    public FoldedResult? Folded { get; internal set; }
}
