using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Stackweave.Formats.IO;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Dwarf;

namespace Stackweave.Tests.Dwarf;

/// <summary>Generated line tables and corruptions for the DWARF properties.</summary>
public static class DwarfArbitraries
{
    /// <summary>Line tables of every version and layout the writer knows.</summary>
    public static Arbitrary<GenLineTable> LineTables() => Arb.From(
        from version in Gen.Choose(2, 5)
        from dwarf64 in Gen.Elements(false, true)
        from minInst in Gen.Elements((byte)1, (byte)2, (byte)4)
        from lineBase in Gen.Choose(-5, -1)
        from lineRange in Gen.Choose(4, 14)
        from opcodeBase in Gen.Elements((byte)10, (byte)13, (byte)14)
        from lineStrp in Gen.Elements(false, true)
        from md5 in Gen.Elements(false, true)
        from fileCount in Gen.Choose(1, 5)
        from seqCount in Gen.Choose(0, 4)
        from seqs in Gen.ArrayOf(Sequence(version, fileCount), seqCount)
        select new GenLineTable(version, dwarf64, minInst, (sbyte)lineBase, (byte)lineRange, opcodeBase, lineStrp, md5, fileCount, seqs));

    private static Gen<GenSequence> Sequence(int version, int fileCount) =>
        from start in Gen.Choose(0, 1 << 24).Select(v => (ulong)v * 16)
        from n in Gen.Choose(0, 30)
        from rows in Gen.ArrayOf(
            from adv in Gen.OneOf(Gen.Choose(0, 20), Gen.Choose(0, 5000))
            from delta in Gen.OneOf(Gen.Choose(-3, 8), Gen.Choose(-400, 400))
            from f in Gen.Choose(LineProgramWriter.FirstFile(version), LineProgramWriter.FirstFile(version) + fileCount - 1)
            select (adv, delta, f), n)
        from end in Gen.Choose(1, 64)
        select new GenSequence(start, rows, end);

    /// <summary>A line table and byte edits to make in its bytes: (position fraction, new byte), or a cut.</summary>
    public static Arbitrary<(GenLineTable, (int, byte)[], int)> Corrupted() => Arb.From(
        from t in LineTables().Generator
        from edits in Gen.ArrayOf(from at in Gen.Choose(0, 1_000_000) from b in Gen.Choose(0, 255) select (at, (byte)b), 3)
        from cut in Gen.Choose(0, 1_000_000)
        select (t, edits, cut));

    /// <summary>Edits of the debug sections of a real binary: (section index, position, new byte).</summary>
    public static Arbitrary<(int, int, byte)[]> BinaryEdits() => Arb.From(
        Gen.ArrayOf(from s in Gen.Choose(0, 5) from at in Gen.Choose(0, 1_000_000) from b in Gen.Choose(0, 255) select (s, at, (byte)b), 4));
}

/// <summary>Issue 4 check 9 for DWARF: generated line programs round trip; damage only ever gives a format error or no frame.</summary>
public class DwarfPropertyTests
{
    [Property(Arbitrary = [typeof(DwarfArbitraries)], MaxTest = 300)]
    public void LineProgramsRoundTrip(GenLineTable t)
    {
        var (line, lineStr) = LineProgramWriter.Write(t);
        var sec = new DwarfSection("gen", ".debug_line", line, littleEndian: true);
        var str = new DwarfSection("gen", ".debug_line_str", lineStr, littleEndian: true);
        var prog = DwarfLineProgram.Parse(sec, 0, str, null, "/comp", 8);
        Assert.Equal(t.Version, prog.Version);
        var got = prog.Rows.Select(r => (r.Address, r.File, r.Line, r.EndSequence)).ToList();
        Assert.Equal(LineProgramWriter.ExpectedRows(t), got);
        var first = LineProgramWriter.FirstFile(t.Version);
        for (var f = first; f < first + t.FileCount; f++) Assert.Equal(LineProgramWriter.FilePath(f), prog.Files[f]);
    }

    [Property(Arbitrary = [typeof(DwarfArbitraries)], MaxTest = 500)]
    public void DamagedLineProgramsOnlyGiveFormatErrors((GenLineTable, (int, byte)[], int) input)
    {
        var (t, edits, cut) = input;
        var (line, lineStr) = LineProgramWriter.Write(t);
        foreach (var (at, b) in edits) line[at % line.Length] = b;
        line = line[..Math.Max(1, cut % (line.Length + 1))];
        var sec = new DwarfSection("gen", ".debug_line", line, littleEndian: true);
        var str = new DwarfSection("gen", ".debug_line_str", lineStr, littleEndian: true);
        try { DwarfLineProgram.Parse(sec, 0, str, null, "/comp", 8); }
        catch (CaptureFormatException) { }
    }

    private static readonly Lazy<(byte[] Bytes, (ulong Offset, ulong Size)[] Sections, List<ulong> Addresses)> s_inl = new(() =>
    {
        var path = DwarfData.Binary("inl");
        using var elf = ElfFile.Open(path);
        var secs = new List<(ulong, ulong)>();
        foreach (var n in (string[])[".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_line_str", ".debug_rnglists"])
            if (elf.FindSection(n) is { } s) secs.Add((s.Offset, s.Size));
        return (File.ReadAllBytes(path), secs.ToArray(), DwarfData.Addresses("inl"));
    });

    /// <summary>Bytes changed anywhere in a real binary's debug sections: every sampled address gives frames or none, never a crash.</summary>
    [Property(Arbitrary = [typeof(DwarfArbitraries)], MaxTest = 300)]
    public void DamagedDebugSectionsOnlyLoseFrames((int, int, byte)[] edits)
    {
        var (orig, secs, addresses) = s_inl.Value;
        var bytes = (byte[])orig.Clone();
        foreach (var (s, at, b) in edits)
        {
            var (off, size) = secs[s % secs.Length];
            bytes[(int)(off + (ulong)at % size)] = b;
        }
        var dwarf = new DwarfSource("inl", () => ElfFile.FromBytes(bytes, "inl"));
        foreach (var a in addresses)
        {
            var frames = dwarf.Frames(a);
            Assert.True(frames.Count == 0 || dwarf.Error is null);
        }
    }
}
