using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Stackweave.Formats.PerfData;

/// <summary>Endianness-aware reads from a span of capture bytes (the capture's byte order is told by its magic).</summary>
internal readonly ref struct PerfSpan(ReadOnlySpan<byte> data, bool bigEndian)
{
    public readonly ReadOnlySpan<byte> Data = data;
    public readonly bool BigEndian = bigEndian;

    public int Length => Data.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong U64(int at) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(Data[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(Data[at..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint U32(int at) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Data[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(Data[at..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort U16(int at) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(Data[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(Data[at..]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int I32(int at) => (int)U32(at);

    /// <summary>A NUL-terminated string within [at, end) (the whole range when no NUL).</summary>
    public string CString(int at, int end)
    {
        if (at >= end || at >= Data.Length) return "";
        var s = Data[at..Math.Min(end, Data.Length)];
        var z = s.IndexOf((byte)0);
        if (z >= 0) s = s[..z];
        return Encoding.UTF8.GetString(s);
    }

    /// <summary>Lower-case hex of bytes.</summary>
    public static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);
}

/// <summary>A bounded cursor over a feature section or record body; a read past the end throws <see cref="PerfTruncatedException"/>.</summary>
internal ref struct PerfCursor(ReadOnlySpan<byte> data, bool bigEndian)
{
    public readonly ReadOnlySpan<byte> Data = data;
    public readonly bool BigEndian = bigEndian;
    public int Pos;

    public readonly int Remaining => Data.Length - Pos;

    // the check inlines into every read; the throw stays out of line
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int n)
    {
        if ((uint)n > (uint)(Data.Length - Pos)) Truncated(Pos, n);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Truncated(int pos, int n) => throw new PerfTruncatedException(pos, n);

    /// <summary>Fills <paramref name="into"/> with consecutive u64 values (one bounds check, one copy).</summary>
    public void U64s(Span<ulong> into)
    {
        if ((ulong)into.Length * 8 > (ulong)Remaining) Truncated(Pos, (int)Math.Min(int.MaxValue, (ulong)into.Length * 8));
        var bytes = Data.Slice(Pos, into.Length * 8);
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes).CopyTo(into);
        if (BigEndian == BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(into, into);
        Pos += bytes.Length;
    }

    public ulong U64() { Need(8); var v = BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(Data[Pos..]) : BinaryPrimitives.ReadUInt64LittleEndian(Data[Pos..]); Pos += 8; return v; }
    public uint U32() { Need(4); var v = BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Data[Pos..]) : BinaryPrimitives.ReadUInt32LittleEndian(Data[Pos..]); Pos += 4; return v; }
    public ushort U16() { Need(2); var v = BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(Data[Pos..]) : BinaryPrimitives.ReadUInt16LittleEndian(Data[Pos..]); Pos += 2; return v; }
    public byte U8() { Need(1); return Data[Pos++]; }
    public ReadOnlySpan<byte> Bytes(int n) { Need(n); var s = Data.Slice(Pos, n); Pos += n; return s; }
    public ReadOnlySpan<byte> Bytes(ulong n) { if (n > (ulong)Remaining) throw new PerfTruncatedException(Pos, n > int.MaxValue ? int.MaxValue : (int)n); return Bytes((int)n); }
    public void Skip(int n) { Need(n); Pos += n; }

    /// <summary>A header string: u32 length (padding included), then that many bytes, NUL-terminated (tools/perf/util/header.c do_write_string).</summary>
    public string HeaderString()
    {
        var len = U32();
        var b = Bytes((ulong)len);
        var z = b.IndexOf((byte)0);
        if (z >= 0) b = b[..z];
        return Encoding.UTF8.GetString(b);
    }

    /// <summary>A count that must be satisfiable by the remaining bytes at <paramref name="minEach"/> bytes per item.</summary>
    public uint Count(int minEach)
    {
        var at = Pos;
        var n = U32();
        if (minEach > 0 && (ulong)n * (ulong)minEach > (ulong)Remaining) throw new PerfTruncatedException(at, (int)Math.Min(int.MaxValue, (ulong)n * (ulong)minEach));
        return n;
    }

    /// <summary>A u64 count that must be satisfiable by the remaining bytes.</summary>
    public ulong Count64(int minEach)
    {
        var at = Pos;
        var n = U64();
        if (minEach > 0 && (n > int.MaxValue || n * (ulong)minEach > (ulong)Remaining)) throw new PerfTruncatedException(at, int.MaxValue);
        return n;
    }
}

/// <summary>Internal signal: a structure inside a span ended early; converted to a CaptureFormatException with the absolute offset.</summary>
internal sealed class PerfTruncatedException(int position, int wanted) : Exception("truncated")
{
    public int Position { get; } = position;
    public int Wanted { get; } = wanted;
}
