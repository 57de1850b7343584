using Stackweave.Formats.IO;
using Stackweave.Merge.Symbols.Go;
using Stackweave.Testing;

namespace Stackweave.Tests.Symbols.Go;

/// <summary>
/// Check 9 of issue 4 for the pclntab: synthetic tables of every layout, byte order, pointer size and quantum, written by
/// the test-only <see cref="GoPclnTabWriter"/>, read back to the same names, files, lines and inlined frames; random
/// damage only ever gives a <see cref="CaptureFormatException"/> when the table is opened or an unresolved frame.
/// </summary>
public sealed class GoPclnTabPropertyTests
{
    /// <summary>A random table: 1–12 functions of 1–6 ranges with 0–4 inline tree entries each.</summary>
    internal static GoTableSpec RandomSpec(int seed, int layout, bool big, bool ptr8, int quantumChoice, int go12Minor = 15)
    {
        var rnd = new Random(seed);
        var quantum = quantumChoice switch { 0 => 1, 1 => 2, _ => 4 };
        var names = Enumerable.Range(0, 1 + rnd.Next(20)).Select(i => i % 3 == 0 ? $"pkg{i}.(*T).method·{i}" : $"main.f{i}").ToList();
        var files = Enumerable.Range(0, 1 + rnd.Next(5)).Select(i => $"dir{i}/file{i}.go").ToList();
        var funcs = new List<GoFuncSpec>();
        for (var f = 0; f < 1 + rnd.Next(12); f++)
        {
            var ninl = rnd.Next(5);
            var ranges = new List<GoRangeSpec>();
            for (var r = 0; r < 1 + rnd.Next(6); r++)
                ranges.Add(new GoRangeSpec(1 + rnd.Next(300), rnd.Next(files.Count), 1 + rnd.Next(200000), r == 0 ? -1 : rnd.Next(-1, ninl)));
            var inlines = new List<GoInlineSpec>();
            for (var k = 0; k < ninl; k++)
            {
                var parent = k == 0 ? -1 : rnd.Next(-1, k);
                var candidates = Enumerable.Range(0, ranges.Count).Where(i => ranges[i].Inline == parent).ToList();
                if (candidates.Count == 0)
                {
                    ranges.Add(new GoRangeSpec(1 + rnd.Next(50), rnd.Next(files.Count), 1 + rnd.Next(1000), parent));
                    candidates.Add(ranges.Count - 1);
                }
                inlines.Add(new GoInlineSpec(rnd.Next(names.Count), parent, candidates[rnd.Next(candidates.Count)]));
            }
            funcs.Add(new GoFuncSpec(rnd.Next(names.Count), ranges, inlines));
        }
        var text = ptr8 ? 0x401000UL : 0x8049000UL;
        return new GoTableSpec((GoTableLayout)layout, big, ptr8 ? 8 : 4, quantum, text, names, files, funcs, go12Minor);
    }

    /// <summary>The frames the spec says are at the start of range <paramref name="r"/> of function <paramref name="f"/>, innermost first.</summary>
    internal static List<GoFrame> Expected(GoTableSpec spec, int f, int r)
    {
        var fn = spec.Funcs[f];
        var list = new List<GoFrame>();
        var range = fn.Ranges[r];
        while (range.Inline >= 0)
        {
            var inl = fn.Inlines[range.Inline];
            list.Add(new GoFrame(spec.Names[inl.Name], spec.Files[range.File], range.Line));
            range = fn.Ranges[inl.ParentRange];
        }
        list.Add(new GoFrame(spec.Names[fn.Name], spec.Files[range.File], range.Line));
        return list;
    }

    private static GoPclnTab Open(GoTableImage img, byte[]? image = null, int? length = null, bool versionKnown = true) =>
        new(new GoPclnSource(image ?? img.Image, img.ImageAddress, 0, length ?? img.TableLength, null, img.GoFunc, versionKnown ? img.GoMinor : null), "synthetic", 0);

    /// <summary>The inline encoding the writer used for a layout and (1.2 layout) Go minor version.</summary>
    internal static GoInlineEncoding EncodingOf(GoTableLayout layout, int minor) => layout switch
    {
        GoTableLayout.Go12 => minor <= 11 ? GoInlineEncoding.Go19 : minor == 12 ? GoInlineEncoding.Go112 : GoInlineEncoding.Go113,
        GoTableLayout.Go120 => GoInlineEncoding.Go120,
        _ => GoInlineEncoding.Go116,
    };

    /// <summary>True when some pc of the spec is inside an inlined call (a range with an inline index).</summary>
    private static bool AnyInlinedPc(GoTableSpec spec) => spec.Funcs.Any(f => f.Inlines.Count > 0 && f.Ranges.Any(r => r.Inline >= 0));

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool TheGo12InlineEncodingIsFoundByValidationWhenTheVersionIsUnknown(int seed, byte minorChoice, bool big, bool ptr8, byte quantum)
    {
        // Go 1.9–1.11 (16-byte records, int32 nfuncdata), 1.12 and 1.13–1.15 tables of random shape, opened without a
        // Go version: validation names the writer's encoding whenever some pc is inside an inlined call (else there is
        // nothing to tell them apart by, and nothing to show), and every pc reads back the spec's frames.
        var minor = 9 + minorChoice % 7;
        var spec = RandomSpec(seed, (int)GoTableLayout.Go12, big, ptr8, quantum % 3, minor);
        var img = GoPclnTabWriter.Write(spec);
        var table = Open(img, versionKnown: false);
        Assert.True(table.InlineEncodingValidated);
        Assert.Equal(AnyInlinedPc(spec) ? EncodingOf(GoTableLayout.Go12, minor) : GoInlineEncoding.None, table.InlineEncoding);
        var entries = GoPclnTabWriter.Entries(spec);
        var frames = new List<GoFrame>();
        for (var f = 0; f < spec.Funcs.Count; f++)
        {
            var pc = entries[f];
            for (var r = 0; r < spec.Funcs[f].Ranges.Count; r++)
            {
                Assert.True(table.Resolve(pc, frames, out _));
                Assert.Equal(Expected(spec, f, r), frames);
                pc += (ulong)(spec.Funcs[f].Ranges[r].Length * spec.Quantum);
            }
        }
        return true;
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool EveryLayoutRoundTripsNamesLinesAndInlinedFrames(int seed, byte layout, bool big, bool ptr8, byte quantum, byte minorChoice)
    {
        var minor = 9 + minorChoice % 7;
        var spec = RandomSpec(seed, layout % 4, big, ptr8, quantum % 3, minor);
        var img = GoPclnTabWriter.Write(spec);
        var table = Open(img);
        Assert.Equal((GoPclnLayout)(layout % 4), table.Layout);
        Assert.Equal(EncodingOf((GoTableLayout)(layout % 4), minor), table.InlineEncoding);
        Assert.Equal(big, table.IsBigEndian);
        Assert.Equal(spec.Funcs.Count, table.FunctionCount);
        Assert.True(table.HasInlineTrees);
        var entries = GoPclnTabWriter.Entries(spec);
        Assert.Equal(entries[0], table.MinPc);
        Assert.Equal(entries[^1], table.MaxPc);
        var frames = new List<GoFrame>();
        for (var f = 0; f < spec.Funcs.Count; f++)
        {
            Assert.Equal(spec.Names[spec.Funcs[f].Name], table.FunctionName(f));
            Assert.Equal(entries[f], table.FunctionEntry(f));
            var pc = entries[f];
            for (var r = 0; r < spec.Funcs[f].Ranges.Count; r++)
            {
                var len = (ulong)(spec.Funcs[f].Ranges[r].Length * spec.Quantum);
                var want = Expected(spec, f, r);
                foreach (var at in new[] { pc, pc + len - 1 })
                {
                    Assert.True(table.Resolve(at, frames, out var entry), $"0x{at:x} unresolved");
                    Assert.Equal(entries[f], entry);
                    Assert.Equal(want, frames);
                    Assert.Equal(f, table.FindFunction(at));
                }
                pc += len;
            }
        }
        Assert.False(table.Resolve(entries[0] - 1, frames, out _));
        Assert.False(table.Resolve(entries[^1], frames, out _));
        return true;
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public bool DamageGivesAFormatErrorOrUnresolvedFramesOnly(int seed, byte layout, bool big, bool ptr8, byte quantum, int damageSeed, byte minorChoice, bool versionKnown)
    {
        var spec = RandomSpec(seed, layout % 4, big, ptr8, quantum % 3, 9 + minorChoice % 7);
        var img = GoPclnTabWriter.Write(spec);
        var rnd = new Random(damageSeed);
        var bytes = (byte[])img.Image.Clone();
        var length = img.TableLength;
        switch (rnd.Next(3))
        {
            case 0: // a few random bytes anywhere (header, functab, _func records, value tables, inline records)
                for (var i = 0; i < 1 + rnd.Next(8); i++) bytes[rnd.Next(bytes.Length)] = (byte)rnd.Next(256);
                break;
            case 1: // the table cut short
                length = rnd.Next(length);
                break;
            default: // one run of garbage
                var at = rnd.Next(bytes.Length);
                rnd.NextBytes(bytes.AsSpan(at, Math.Min(bytes.Length - at, 1 + rnd.Next(64))));
                break;
        }
        GoPclnTab table;
        try { table = Open(img, bytes, length, versionKnown); }
        catch (CaptureFormatException) { return true; }
        _ = table.InlineEncoding; // validation of a damaged table (1.2 layout, version unknown) never throws either
        var frames = new List<GoFrame>();
        var lo = Math.Min(table.MinPc, spec.TextStart);
        for (var i = 0; i < 200; i++)
        {
            var pc = lo + (ulong)rnd.Next(0, 4096);
            if (table.Resolve(pc, frames, out _)) Assert.NotEmpty(frames);
            else Assert.Empty(frames);
            var fi = table.FindFunction(pc);
            if (fi >= 0) _ = table.FunctionName(fi);
        }
        return true;
    }
}

/// <summary>Damage to a real stripped Go binary (no section headers): loading and lookups never fail with anything but a format error.</summary>
public sealed class GoBinaryDamageTests
{
    private static readonly Lazy<(byte[] Bytes, long TableOffset, int TableLength, ulong[] Addrs)> s_binary = new(() =>
    {
        var bytes = File.ReadAllBytes(GoReference.NoShdr);
        var go = GoReference.Load(GoReference.NoShdr);
        var off = (long)go.AddressToFileOffset(go.Table.TableAddress)!.Value;
        var addrs = File.ReadLines(GoReference.Data("capture.gosym.txt")).Select(l => Convert.ToUInt64(l.Split('\t')[0], 16)).ToArray();
        return (bytes, off, 0x45fa0, addrs); // 0x45fa0: the stripped build's .gopclntab size (readelf -S)
    });

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public bool DamagedPclntabInARealBinaryGivesAFormatErrorOrUnresolvedFramesOnly(int seed)
    {
        var (orig, tableOffset, tableLength, addrs) = s_binary.Value;
        var rnd = new Random(seed);
        var bytes = (byte[])orig.Clone();
        // Mostly the pclntab (header, functab, _func records, value tables), sometimes anywhere (moduledata, build info, ELF headers).
        for (var i = 0; i < 1 + rnd.Next(16); i++)
        {
            var at = rnd.Next(4) == 0 ? rnd.Next(bytes.Length) : (int)tableOffset + (rnd.Next(3) == 0 ? rnd.Next(64) : rnd.Next(tableLength));
            bytes[at] = (byte)rnd.Next(256);
        }
        GoBinary? go;
        try
        {
            using var elf = Stackweave.Merge.Symbols.ElfFile.FromBytes(bytes, "damaged");
            go = GoBinary.Load(elf);
        }
        catch (CaptureFormatException) { return true; }
        if (go is null) return true; // no plausible header left: not a Go binary any more
        var frames = new List<GoFrame>();
        foreach (var a in addrs)
        {
            if (go.Table.Resolve(a, frames, out _)) Assert.NotEmpty(frames);
            else Assert.Empty(frames);
        }
        return true;
    }
}
