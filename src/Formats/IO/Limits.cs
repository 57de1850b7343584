namespace Stackweave.Formats.IO;

/// <summary>Resource limits applied to untrusted input; raised by options, never by editing code.</summary>
public sealed record Limits
{
    /// <summary>Default limits.</summary>
    public static Limits Default { get; } = new();

    /// <summary>Largest ratio of decompressed to compressed bytes accepted for whole-file and record compression.</summary>
    public long MaxExpansionRatio { get; init; } = 1000;
    /// <summary>Decompressed bytes always allowed, whatever the ratio (small inputs).</summary>
    public long MinExpansionAllowance { get; init; } = 64L << 20;
    /// <summary>Deepest stack kept; deeper stacks are truncated and counted.</summary>
    public int MaxStackDepth { get; init; } = 65536;
    /// <summary>Longest text line a reader holds whole (bpftrace text and JSON lines); a longer line is a format error.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;
}
