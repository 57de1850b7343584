using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>One frame of a bpftrace stack as printed: a symbol with its offset, an address, or both (perf and raw modes).</summary>
/// <param name="Name">Symbol name without the <c>+offset</c>; null when only an address was printed.</param>
/// <param name="Offset">Decimal offset after the symbol (<c>+123</c>); null when none was printed.</param>
/// <param name="Address">Address, when printed (perf and raw modes, or an unresolved <c>0x…</c> frame).</param>
/// <param name="Module">Module in parentheses (perf mode), null when none.</param>
internal readonly record struct BpftraceFrame(string? Name, long? Offset, ulong? Address, string? Module)
{
    /// <summary>The frame bpftrace prints when it cannot unwind further (<c>&lt;unwind failure&gt;</c>, newer versions).</summary>
    public const string UnwindFailure = "<unwind failure>";

    /// <summary>The frame's text in bpftrace's default stack mode.</summary>
    public string DefaultText()
    {
        if (Name is null) return "0x" + (Address ?? 0).ToString("x", CultureInfo.InvariantCulture);
        return Offset is { } o ? Name + "+" + o.ToString(CultureInfo.InvariantCulture) : Name;
    }
}

/// <summary>One element of a map key: an integer or string as printed, or a stack.</summary>
/// <param name="Text">The element as printed (a stack's is empty).</param>
/// <param name="Stack">The stack's frames, leaf first, as ids into the builder's frame table, when the element is a stack; null otherwise.</param>
internal sealed record BpftraceKey(string Text, int[]? Stack)
{
    /// <summary>True when the element is a stack (possibly empty).</summary>
    public bool IsStack => Stack is not null;
}

/// <summary>What a map entry holds.</summary>
internal enum BpftraceValueKind
{
    /// <summary>An integer (count, sum, min, max, avg, or a plain assignment).</summary>
    Integer,
    /// <summary>stats(): count, average, total.</summary>
    Stats,
    /// <summary>hist() or lhist() buckets.</summary>
    Histogram,
    /// <summary>A string or other non-numeric value, kept as printed.</summary>
    Text,
}

/// <summary>One printed map entry: map name (with its <c>@</c>), key elements and value.</summary>
internal sealed class BpftraceEntry
{
    /// <summary>Map name as printed, with the <c>@</c> (<c>@</c> alone for the unnamed map).</summary>
    public required string Map { get; init; }
    /// <summary>Key elements in order; empty for a map without keys.</summary>
    public required IReadOnlyList<BpftraceKey> Keys { get; init; }
    /// <summary>What <see cref="Value"/> (and the other value fields) mean.</summary>
    public BpftraceValueKind Kind { get; init; }
    /// <summary>The integer value; for stats, the total.</summary>
    public long Value { get; init; }
    /// <summary>stats(): count and average.</summary>
    public (long Count, long Average) Stats { get; init; }
    /// <summary>Histogram buckets, in printed order.</summary>
    public IReadOnlyList<HistogramBucket>? Buckets { get; init; }
    /// <summary>A non-numeric value as printed.</summary>
    public string? Text { get; init; }
    /// <summary>Byte offset of the entry in the input.</summary>
    public long Offset { get; init; }

    /// <summary>The key as bpftrace's text output prints it (elements joined by ", "; stacks as their default-mode frames joined by ";").</summary>
    public string KeyText(IReadOnlyList<BpftraceFrame> table)
    {
        if (Keys.Count == 0) return "";
        var parts = new string[Keys.Count];
        for (var i = 0; i < Keys.Count; i++)
        {
            var k = Keys[i];
            if (k.Stack is null) { parts[i] = k.Text; continue; }
            var frames = new string[k.Stack.Length];
            for (var f = 0; f < frames.Length; f++) frames[f] = table[k.Stack[f]].DefaultText();
            parts[i] = string.Join(';', frames);
        }
        return string.Join(", ", parts);
    }

    /// <summary>The entry in a normalized one-line form shared by the text and JSON readers (for non-stack value maps).</summary>
    public string Describe(IReadOnlyList<BpftraceFrame> table)
    {
        var head = Keys.Count == 0 ? Map : Map + "[" + KeyText(table) + "]";
        return Kind switch
        {
            BpftraceValueKind.Stats => FormattableString.Invariant($"{head}: count {Stats.Count}, average {Stats.Average}, total {Value}"),
            BpftraceValueKind.Text => head + ": " + Text,
            _ => FormattableString.Invariant($"{head}: {Value}"),
        };
    }
}
