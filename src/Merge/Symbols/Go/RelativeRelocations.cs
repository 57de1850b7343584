using System.Buffers.Binary;
using Stackweave.Formats.IO;
using static Stackweave.Merge.Symbols.ElfConstants;

namespace Stackweave.Merge.Symbols.Go;

/// <summary>
/// The R_X86_64_RELATIVE and R_AARCH64_RELATIVE relocations of a position-independent executable, read through
/// PT_DYNAMIC (DT_RELA, DT_RELASZ, DT_RELAENT), so they are found without section headers too. In a Go PIE the linker
/// leaves the pointers of runtime.moduledata, the pclntab header's textStart and the build info's string pointers zero
/// in the file and lists them here: each is "load base + addend", so at the link-time base 0 the value is the addend.
/// </summary>
internal sealed class RelativeRelocations
{
    // elf.h: PT_DYNAMIC = 2; DT_NULL = 0, DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9; EM_X86_64 = 62, EM_AARCH64 = 183;
    // R_X86_64_RELATIVE = 8 (x86-64 psABI), R_AARCH64_RELATIVE = 1027 (AArch64 ELF ABI).
    private const uint PtDynamic = 2;
    private const long DtNull = 0, DtRela = 7, DtRelaSz = 8, DtRelaEnt = 9;
    private const ushort EmX86_64 = 62, EmAarch64 = 183;
    private const uint RX86_64Relative = 8, RAarch64Relative = 1027;
    // sizeof(Elf64_Dyn) and sizeof(Elf64_Rela).
    private const int Dyn64Size = 16, Rela64Size = 24;
    // Most dynamic entries read (real executables have a few dozen).
    private const int MaxDynamic = 4096;

    private readonly ulong[] _addrs;
    private readonly ulong[] _values;
    private readonly bool _big;

    private RelativeRelocations(ulong[] addrs, ulong[] values, bool big)
    {
        _addrs = addrs;
        _values = values;
        _big = big;
    }

    /// <summary>Number of relocations held.</summary>
    public int Count => _addrs.Length;

    /// <summary>The relative relocations of a 64-bit x86-64 or AArch64 ELF file with a PT_DYNAMIC, or null (none, or another machine).</summary>
    public static RelativeRelocations? Read(ElfFile elf, IReadOnlyList<ElfSegment> loads)
    {
        if (!elf.Is64 || elf.Machine is not (EmX86_64 or EmAarch64)) return null;
        var wanted = elf.Machine == EmX86_64 ? RX86_64Relative : RAarch64Relative;
        var big = !elf.IsLittleEndian;
        ElfSegment? dyn = null;
        foreach (var p in elf.Segments) if (p.Type == PtDynamic) { dyn = p; break; }
        if (dyn is not { } d || d.FileSize < Dyn64Size) return null;
        try
        {
            if (d.Offset > (ulong)elf.Length || d.FileSize > (ulong)elf.Length - d.Offset) return null;
            var table = elf.ReadFileRange(d.Offset, Math.Min(d.FileSize, (ulong)MaxDynamic * Dyn64Size));
            ulong rela = 0, relaSize = 0, relaEnt = Rela64Size;
            for (var i = 0; i + Dyn64Size <= table.Length; i += Dyn64Size)
            {
                var tag = (long)U64(table.AsSpan(i), big);
                var val = U64(table.AsSpan(i + 8), big);
                if (tag == DtNull) break;
                switch (tag)
                {
                    case DtRela: rela = val; break;
                    case DtRelaSz: relaSize = val; break;
                    case DtRelaEnt: relaEnt = val; break;
                }
            }
            if (rela == 0 || relaSize == 0 || relaEnt != Rela64Size) return null;
            // DT_RELA is an address: find its bytes through the PT_LOAD segments.
            ulong? off = null;
            foreach (var p in loads)
                if (rela >= p.VirtualAddress && rela - p.VirtualAddress < p.FileSize && relaSize <= p.FileSize - (rela - p.VirtualAddress))
                    off = p.Offset + (rela - p.VirtualAddress);
            if (off is not { } o || o > (ulong)elf.Length || relaSize > (ulong)elf.Length - o) return null;
            var bytes = elf.ReadFileRange(o, relaSize);
            var n = bytes.Length / Rela64Size;
            var addrs = new List<ulong>(n);
            var values = new List<ulong>(n);
            for (var i = 0; i < n; i++)
            {
                var r = bytes.AsSpan(i * Rela64Size);
                if ((uint)U64(r[8..], big) != wanted) continue; // ELF64_R_TYPE: the low 32 bits of r_info
                addrs.Add(U64(r, big));
                values.Add(U64(r[16..], big));
            }
            if (addrs.Count == 0) return null;
            var a = addrs.ToArray();
            var v = values.ToArray();
            Array.Sort(a, v);
            return new RelativeRelocations(a, v, big);
        }
        catch (CaptureFormatException) { return null; }
    }

    /// <summary>Writes every relocated 8-byte pointer that lies wholly inside <paramref name="buf"/> (which holds the bytes at <paramref name="address"/>).</summary>
    public void Apply(byte[] buf, ulong address)
    {
        if (buf.Length < 8) return;
        var i = Array.BinarySearch(_addrs, address);
        if (i < 0) i = ~i;
        var end = address > ulong.MaxValue - (ulong)buf.Length ? ulong.MaxValue : address + (ulong)buf.Length;
        for (; i < _addrs.Length && _addrs[i] < end; i++)
        {
            var at = _addrs[i] - address;
            if (at > (ulong)buf.Length - 8) continue;
            if (_big) BinaryPrimitives.WriteUInt64BigEndian(buf.AsSpan((int)at), _values[i]);
            else BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan((int)at), _values[i]);
        }
    }

    private static ulong U64(ReadOnlySpan<byte> b, bool big) => big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
}
