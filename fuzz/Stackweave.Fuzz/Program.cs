using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using SharpFuzz;
using Stackweave.Merge.Symbols;
using Stackweave.Testing;

namespace Stackweave.Fuzz;

/// <summary>
/// Entry point. <c>TARGET</c>: the AFL++ loop (SharpFuzz out-of-process fork server: a crashed or hung child is restarted);
/// <c>run TARGET FILE...</c>: replays files (prints each finding, exit 1 if any); <c>seed KIND ELF OUT</c>: writes a seed
/// for a section target from a real binary (<c>dwarf</c>, <c>cfi</c>, <c>pclntab</c>); <c>seed pclntab-gen DIR</c>: small
/// tables of every layout from the test-data writer.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && FuzzTargets.Names.Contains(args[0]))
        {
            var target = args[0];
            Fuzzer.OutOfProcess.Run(stream =>
            {
                var ms = new MemoryStream();
                stream.CopyTo(ms);
                FuzzTargets.Run(target, ms.ToArray());
            });
            return 0;
        }
        if (args.Length >= 3 && args[0] == "run") return Replay(args[1], args[2..]);
        if (args.Length == 4 && args[0] == "seed") { Seed(args[1], args[2], args[3]); return 0; }
        if (args.Length == 3 && args[0] == "seed" && args[1] == "pclntab-gen") { PclnGen(args[2]); return 0; }
        Console.Error.WriteLine("usage: Stackweave.Fuzz TARGET | run TARGET FILE... | seed dwarf|cfi|pclntab ELF OUT | seed pclntab-gen DIR");
        Console.Error.WriteLine("targets: " + string.Join(' ', FuzzTargets.Names));
        return 2;
    }

    private static int Replay(string target, string[] files)
    {
        var bad = 0;
        foreach (var f in files)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                var error = FuzzTargets.Run(target, File.ReadAllBytes(f));
                Console.WriteLine(FormattableString.Invariant($"{(error is null ? "ok" : "format-error")} {sw.ElapsedMilliseconds} ms {f}{(error is null ? "" : ": " + error)}"));
            }
            catch (Exception e)
            {
                bad++;
                Console.WriteLine(FormattableString.Invariant($"FINDING {sw.ElapsedMilliseconds} ms {f}: {e}"));
            }
        }
        return bad == 0 ? 0 : 1;
    }

    private static void Seed(string kind, string elfPath, string output)
    {
        using var elf = ElfFile.Open(elfPath);
        var probes = ProbeAddresses(elf);
        byte[] seed;
        switch (kind)
        {
            case "dwarf":
            {
                var slots = new List<byte[]?> { Addresses(probes) };
                foreach (var name in SectionContainer.DwarfSlots) slots.Add(elf.TryGetSectionData(name));
                seed = SectionContainer.Join(slots);
                break;
            }
            case "cfi":
            {
                var eh = elf.FindSection(".eh_frame");
                var hdr = elf.FindSection(".eh_frame_hdr");
                var dbg = elf.FindSection(".debug_frame");
                var addrs = new List<ulong> { eh?.Address ?? 0, hdr?.Address ?? 0 };
                addrs.AddRange(probes);
                seed = SectionContainer.Join([Addresses(addrs),
                    eh is { } e ? elf.ReadSection(e) : null, hdr is { } h ? elf.ReadSection(h) : null, dbg is { } d ? elf.ReadSection(d) : null]);
                break;
            }
            case "pclntab":
            {
                var sec = elf.FindSection(".gopclntab") ?? elf.FindSection(".data.rel.ro.gopclntab") ?? throw new InvalidOperationException("no .gopclntab in " + elfPath);
                var table = elf.ReadSection(sec);
                seed = PclnSeed(sec.Address, null, 0, table, table.Length);
                break;
            }
            default: throw new ArgumentException("seed kind: dwarf, cfi or pclntab", nameof(kind));
        }
        File.WriteAllBytes(output, seed);
    }

    /// <summary>Up to 24 function entries plus a point inside each (the symbol table's first functions with a size).</summary>
    private static List<ulong> ProbeAddresses(ElfFile elf)
    {
        var list = new List<ulong>();
        var sec = elf.SymtabSection ?? elf.DynsymSection;
        if (sec is not { } symtab) return list;
        foreach (var s in elf.ReadSymbols(symtab))
        {
            if (s.Type != 2 || s.Size == 0) continue; // ELF gABI STT_FUNC = 2
            list.Add(s.Value);
            list.Add(s.Value + s.Size / 2);
            if (list.Count >= 48) break;
        }
        return list;
    }

    private static byte[] Addresses(IReadOnlyList<ulong> values)
    {
        var b = new byte[values.Count * 8];
        for (var i = 0; i < values.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(i * 8), values[i]);
        return b;
    }

    private static byte[] PclnSeed(ulong imageAddress, ulong? goFunc, int minor, byte[] image, int tableLength)
    {
        var b = new byte[FuzzTargets.PclnHeader + image.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, imageAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), goFunc ?? 0);
        b[16] = (byte)minor;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(17), (uint)tableLength);
        image.CopyTo(b, FuzzTargets.PclnHeader);
        return b;
    }

    /// <summary>One small table per layout, byte order and pointer size, from the test-data writer (three functions, one inlined call).</summary>
    private static void PclnGen(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var layout in Enum.GetValues<GoTableLayout>())
            foreach (var big in new[] { false, true })
            {
                var ptr = big ? 4 : 8;
                var spec = new GoTableSpec(layout, big, ptr, 1, 0x401000,
                    ["main.main", "main.work", "main.leaf"], ["/src/main.go", "/src/work.go"],
                    [
                        new GoFuncSpec(0, [new GoRangeSpec(16, 0, 10, -1), new GoRangeSpec(8, 1, 20, 0), new GoRangeSpec(8, 0, 12, -1)], [new GoInlineSpec(2, -1, 1)]),
                        new GoFuncSpec(1, [new GoRangeSpec(32, 1, 30, -1)], []),
                        new GoFuncSpec(2, [new GoRangeSpec(4, 1, 40, -1), new GoRangeSpec(4, 1, 41, -1)], []),
                    ]);
                var img = GoPclnTabWriter.Write(spec);
                var name = string.Create(CultureInfo.InvariantCulture, $"gen-{layout}-{(big ? "be" : "le")}{ptr * 8}.bin");
                File.WriteAllBytes(Path.Combine(dir, name), PclnSeed(img.ImageAddress, img.GoFunc, img.GoMinor, img.Image, img.TableLength));
            }
    }
}
