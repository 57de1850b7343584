using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats;

/// <summary>Answer of a format detector looking at the first bytes of an input.</summary>
public enum DetectResult
{
    /// <summary>Not this format.</summary>
    No,
    /// <summary>Cannot tell from this many bytes.</summary>
    NeedMore,
    /// <summary>This format.</summary>
    Yes,
}

/// <summary>Options every reader honours.</summary>
public sealed record ReadOptions
{
    /// <summary>Default options.</summary>
    public static ReadOptions Default { get; } = new();
    /// <summary>On damage, keep what was decoded before it instead of failing.</summary>
    public bool Salvage { get; init; }
    /// <summary>Resource limits.</summary>
    public Limits Limits { get; init; } = Limits.Default;
    /// <summary>
    /// Keep one sample row per distinct (stack, thread, event) with summed values instead of one row per sample, for
    /// outputs that need no per-sample rows (folded, pprof): memory then grows with distinct stacks, not samples.
    /// A row keeps the time and CPU of its first sample; samples with labels keep their own rows.
    /// </summary>
    public bool AggregateSamples { get; init; }
    /// <summary>How bpftrace output is read (keys, map, printf timeline pattern, clock).</summary>
    public Bpftrace.BpftraceOptions Bpftrace { get; init; } = Formats.Bpftrace.BpftraceOptions.Default;
    /// <summary>Unwinds <c>--call-graph dwarf</c> samples (REGS_USER + STACK_USER) of perf.data; null keeps their recorded chains only.</summary>
    public PerfData.IUserStackUnwinder? UserStackUnwinder { get; init; }
}

/// <summary>A capture format Stackweave can read: identity, detection and reading into the neutral model.</summary>
public interface ICaptureFormat
{
    /// <summary>Short name, e.g. "perf.data".</summary>
    string Name { get; }
    /// <summary>File extensions (with dot) commonly used.</summary>
    IReadOnlyList<string> Extensions { get; }
    /// <summary>Bytes the detector wants to see.</summary>
    int HeaderSize { get; }
    /// <summary>Decides from the first bytes whether an input is of this format.</summary>
    DetectResult Detect(ReadOnlySpan<byte> header);
    /// <summary>
    /// Under --salvage only, once every <see cref="Detect"/> said no: whether an input damaged inside its first bytes is
    /// still recognisably this format from what comes before the damage; returns the offset where the damage starts, or
    /// -1 when it is not (the default: no tolerance). <paramref name="endedByError"/>: the bytes end where decompressing
    /// the input failed.
    /// </summary>
    int DetectDamaged(ReadOnlySpan<byte> header, bool endedByError) => -1;
    /// <summary>Reads a whole input into a profile. <paramref name="path"/> is the user's name for it (for messages and sibling files).</summary>
    Profile Read(Stream input, string path, ReadOptions options);
}
