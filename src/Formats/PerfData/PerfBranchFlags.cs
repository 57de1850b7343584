namespace Stackweave.Formats.PerfData;

/// <summary>
/// The flags word of struct perf_branch_entry. A big-endian kernel allocates its bitfields from the most
/// significant bit down, so each field sits mirrored in the word while its value bits keep their order
/// (perf 6.1 tools/perf/util/evsel.c, evsel__parse_sample's branch-stack swap). The model keeps the little-endian layout.
/// </summary>
public static class PerfBranchFlags
{
    // include/uapi/linux/perf_event.h (Linux 6.1) struct perf_branch_entry: mispred:1, predicted:1, in_tx:1,
    // abort:1, cycles:16, type:4, spec:2, new_type:4, priv:3, reserved:31 — (position, width) in little-endian order.
    private static readonly (int Pos, int Width)[] s_fields =
        [(0, 1), (1, 1), (2, 1), (3, 1), (4, 16), (20, 4), (24, 2), (26, 4), (30, 3), (33, 31)];

    /// <summary>Converts flags read (as a native u64) from a big-endian capture into the little-endian layout.</summary>
    public static ulong FromBigEndianLayout(ulong bigEndianFlags) => Move(bigEndianFlags, toBig: false);

    /// <summary>Converts little-endian-layout flags into the layout a big-endian kernel writes.</summary>
    public static ulong ToBigEndianLayout(ulong littleEndianFlags) => Move(littleEndianFlags, toBig: true);

    private static ulong Move(ulong v, bool toBig)
    {
        ulong r = 0;
        foreach (var (pos, width) in s_fields)
        {
            var mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
            var mirrored = 64 - pos - width;
            var field = (v >> (toBig ? pos : mirrored)) & mask;
            r |= field << (toBig ? mirrored : pos);
        }
        return r;
    }
}
