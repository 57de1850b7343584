using System.Numerics;

namespace Stackweave.Testing;

/// <summary>Converts C bitfield words between the little-endian layout Stackweave models use and a big-endian file's layout.</summary>
/// <remarks>
/// GCC allocates bitfields from the least significant bit on little-endian targets and from the most
/// significant bit on big-endian targets. perf reads a byte-swapped attr bitfield word by reversing the
/// bits of each byte without swapping the bytes (tools/perf/util/session.c, swap_bitfield() called from
/// perf_event__attr_swap()), which is the same as the big-endian layout of 1-bit fields.
/// Branch-entry flags have multi-bit fields; perf mirrors each field's position without reversing its
/// value bits (tools/perf/util/evsel.c, evsel__bitfield_swap_branch_flags()).
/// </remarks>
public static class PerfBitfields
{
    /// <summary>The attr flags word as a big-endian file stores it, as a u64 to be written big-endian.</summary>
    public static ulong AttrFlagsToBigEndian(ulong littleEndianFlags) => ReverseBits(littleEndianFlags);

    /// <summary>Reverses the order of all 64 bits.</summary>
    public static ulong ReverseBits(ulong v)
    {
        ulong r = 0;
        while (v != 0)
        {
            var b = BitOperations.TrailingZeroCount(v);
            r |= 1UL << (63 - b);
            v &= v - 1;
        }
        return r;
    }

    /// <summary>Branch-entry flags as a big-endian kernel lays them out (value to be written big-endian).</summary>
    public static ulong BranchFlagsToBigEndian(ulong littleEndianFlags) => Stackweave.Formats.PerfData.PerfBranchFlags.ToBigEndianLayout(littleEndianFlags);

    /// <summary>Builds little-endian branch flags from their fields.</summary>
    public static ulong BranchFlags(bool mispred, bool predicted, bool inTx, bool abort, ushort cycles, int type = 0, int spec = 0, int newType = 0, int priv = 0)
        => (mispred ? 1UL : 0) | (predicted ? 2UL : 0) | (inTx ? 4UL : 0) | (abort ? 8UL : 0)
           | (ulong)cycles << 4 | (ulong)(type & 0xf) << 20 | (ulong)(spec & 3) << 24
           | (ulong)(newType & 0xf) << 26 | (ulong)(priv & 7) << 30;
}
