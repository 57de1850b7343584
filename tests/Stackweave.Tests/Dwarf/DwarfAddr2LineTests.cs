using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Dwarf;

namespace Stackweave.Tests.Dwarf;

/// <summary>file:line and inlined frames of every sampled address of the C++ test program equal addr2line -i -f -C's (binutils 2.40).</summary>
public sealed class DwarfAddr2LineTests
{
    public static TheoryData<string> Builds() => new(DwarfData.Builds);

    [Theory]
    [MemberData(nameof(Builds))]
    public void EverySampledAddressMatchesAddr2Line(string build)
    {
        var golden = DwarfData.Addr2Line(build);
        var addresses = DwarfData.Addresses(build);
        Assert.NotEmpty(addresses);
        Assert.Equal(addresses.Count, golden.Count);
        using var elf = ElfFile.Open(DwarfData.Binary(build));
        var symbols = SymbolTable.FromElf(elf, elf);
        var dwarf = DwarfSource.ForFile(DwarfData.Binary(build));
        Assert.True(dwarf.HasFunctions, dwarf.Error);
        var inlinedSeen = 0;
        foreach (var a in addresses)
        {
            var ours = DwarfData.Ours(dwarf, symbols, elf, a);
            Assert.True(golden[a].SequenceEqual(ours),
                $"0x{a:x}: addr2line says\n  {string.Join("\n  ", golden[a])}\nStackweave says\n  {string.Join("\n  ", ours)}");
            if (ours.Count > 1) inlinedSeen++;
        }
        // The program is built so that most samples land in inlined code.
        Assert.True(inlinedSeen > addresses.Count / 2, $"only {inlinedSeen} of {addresses.Count} addresses have inlined frames");
    }

    [Fact]
    public void CompressedSectionsDecompressToTheUncompressedBytes()
    {
        using var plain = ElfFile.Open(DwarfData.Binary("inl"));
        foreach (var build in (string[])["inl-zlib", "inl-zstd"])
        {
            using var z = ElfFile.Open(DwarfData.Binary(build));
            Assert.True((z.FindSection(".debug_info")!.Value.Flags & 0x800) != 0, build + ": .debug_info is SHF_COMPRESSED");
            foreach (var name in (string[])[".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_line_str", ".debug_rnglists"])
                Assert.Equal(plain.TryGetSectionData(name), z.TryGetSectionData(name));
        }
    }
}
