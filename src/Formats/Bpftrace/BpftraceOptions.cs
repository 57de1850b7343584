using System.Text.RegularExpressions;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>How bpftrace output is read into the model (the CLI's <c>--keys</c>, <c>--map</c>, <c>--bpftrace-line</c>, <c>--bpftrace-clock</c>).</summary>
public sealed record BpftraceOptions
{
    /// <summary>Default options.</summary>
    public static BpftraceOptions Default { get; } = new();

    /// <summary>
    /// Names of the map key elements in key order: <c>pid</c>, <c>tid</c> and <c>comm</c> become the sample's thread, other
    /// names become labels, <c>_</c> skips one element. Stack elements are recognised by themselves and need no name (a
    /// <c>_</c>, <c>stack</c>, <c>kstack</c> or <c>ustack</c> at a stack's position is taken for it). Unnamed elements become
    /// labels <c>key1</c>, <c>key2</c>… (numbered by position). Default: none.
    /// </summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>The only map to read stacks from (with or without the <c>@</c>); null reads every map holding stacks. Default null.</summary>
    public string? Map { get; init; }

    /// <summary>
    /// A pattern for printf lines that are timeline events, with named groups <c>ts</c> (nanoseconds, required), <c>pid</c>,
    /// <c>tid</c>, <c>comm</c>, <c>name</c>, <c>value</c>. Null (default): lines starting with an integer nanosecond column.
    /// </summary>
    public Regex? LinePattern { get; init; }

    /// <summary>Keep each frame's <c>+offset</c> in its function name, as bpftrace printed it (the CLI's <c>--offsets</c>). Default false.</summary>
    public bool KeepOffsets { get; init; }

    /// <summary>The clock of printed timestamps; null (default): BOOTTIME, what <c>nsecs</c> reads since bpftrace 0.12.</summary>
    public ClockDomain? Clock { get; init; }
}
