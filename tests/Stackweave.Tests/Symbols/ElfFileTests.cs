using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

/// <summary>Test data paths and parsers of the readelf / addr2line golden files (see Data/README.md).</summary>
internal static partial class SymData
{
    public static string Dir => Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Symbols", "Data");
    public static string File(string name) => Path.Combine(Dir, name);

    /// <summary>The kallsyms saved with the system-wide capture (same boot as every capture in testdata/).</summary>
    public static Kallsyms KallsymsForCaptures() => Kallsyms.Load(RepoPaths.TestData("system-wide", "kallsyms.gz"));

    public readonly record struct GoldenSym(ulong Value, ulong Size, string Type, string Bind, string Vis, string Ndx, string Name);

    /// <summary>Parses `readelf -sW` output: table name → entries.</summary>
    public static Dictionary<string, List<GoldenSym>> ReadelfSymbols(string file)
    {
        var tables = new Dictionary<string, List<GoldenSym>>(StringComparer.Ordinal);
        List<GoldenSym>? cur = null;
        foreach (var line in System.IO.File.ReadLines(file))
        {
            var m = TableHeader().Match(line);
            if (m.Success) { cur = []; tables[m.Groups[1].Value] = cur; continue; }
            var e = SymLine().Match(line);
            if (!e.Success || cur is null) continue;
            var sizeText = e.Groups[2].Value;
            var size = sizeText.StartsWith("0x", StringComparison.Ordinal)
                ? ulong.Parse(sizeText.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : ulong.Parse(sizeText, CultureInfo.InvariantCulture);
            cur.Add(new GoldenSym(ulong.Parse(e.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture), size,
                e.Groups[3].Value, e.Groups[4].Value, e.Groups[5].Value, e.Groups[6].Value, e.Groups[7].Value));
        }
        return tables;
    }

    /// <summary>Parses LOAD lines of `readelf -lW`: (offset, vaddr, filesz, memsz).</summary>
    public static List<(ulong Offset, ulong VAddr, ulong FileSize, ulong MemSize)> ReadelfLoads(string file)
    {
        var list = new List<(ulong, ulong, ulong, ulong)>();
        foreach (var line in System.IO.File.ReadLines(file))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[0] != "LOAD") continue;
            list.Add((Hex(f[1]), Hex(f[2]), Hex(f[4]), Hex(f[5])));
        }
        return list;
    }

    public static ulong Hex(string s) =>
        ulong.Parse(s.StartsWith("0x", StringComparison.Ordinal) ? s.AsSpan(2) : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Symbol table '([^']+)' contains")]
    private static partial Regex TableHeader();
    [GeneratedRegex(@"^\s*\d+:\s+([0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$")]
    private static partial Regex SymLine();
}

public class ElfFileTests
{
    public static TheoryData<string, bool, bool, ElfFileType> Files => new()
    {
        { "hello-nopie", true, true, ElfFileType.Executable },
        { "hello-pie", true, true, ElfFileType.SharedObject },
        { "hello-pie-stripped", true, true, ElfFileType.SharedObject },
        { "hello-pie.debug", true, true, ElfFileType.SharedObject },
        { "go-386", false, true, ElfFileType.Executable },
        { "go-s390x", true, false, ElfFileType.Executable },
        { "go-mips", false, false, ElfFileType.Executable },
        { "vdso-b0af7178.so", true, true, ElfFileType.SharedObject },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void HeaderClassAndByteOrder(string name, bool is64, bool little, ElfFileType type)
    {
        using var elf = ElfFile.Open(SymData.File(name));
        Assert.Equal(is64, elf.Is64);
        Assert.Equal(little, elf.IsLittleEndian);
        Assert.Equal(type, elf.FileType);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void SymbolTablesMatchReadelf(string name, bool is64, bool little, ElfFileType type)
    {
        _ = (is64, little, type);
        var golden = SymData.ReadelfSymbols(SymData.File(name + ".readelf-s.txt"));
        using var elf = ElfFile.Open(SymData.File(name));
        Assert.Equal(golden.ContainsKey(".symtab"), elf.SymtabSection is not null);
        foreach (var (table, expected) in golden)
        {
            var sec = table == ".symtab" ? elf.SymtabSection : elf.DynsymSection;
            Assert.NotNull(sec);
            var got = elf.ReadSymbols(sec.Value);
            Assert.Equal(expected.Count, got.Length);
            for (var i = 0; i < got.Length; i++)
            {
                var e = expected[i];
                var g = got[i];
                Assert.Equal(e.Value, g.Value);
                Assert.Equal(e.Size, g.Size);
                Assert.Equal(e.Type, TypeName(g.Type));
                Assert.Equal(e.Bind, BindName(g.Binding));
                // readelf prints dynamic symbols with their version ("printf@GLIBC_2.2.5 (3)"); .symtab names are raw.
                var expectedName = table == ".dynsym" ? e.Name.Split('@')[0] : e.Name;
                Assert.Equal(expectedName, g.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadSegmentsMatchReadelf(string name, bool is64, bool little, ElfFileType type)
    {
        _ = (is64, little, type);
        var expected = SymData.ReadelfLoads(SymData.File(name + ".readelf-l.txt"));
        using var elf = ElfFile.Open(SymData.File(name));
        var got = elf.Segments.Where(s => s.Type == 1).Select(s => (s.Offset, s.VirtualAddress, s.FileSize, s.MemorySize)).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, got);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void BuildIdsMatchReadelf(string name, bool is64, bool little, ElfFileType type)
    {
        _ = (is64, little, type);
        var notes = File.ReadAllText(SymData.File(name + ".readelf-n.txt"));
        using var elf = ElfFile.Open(SymData.File(name));
        var gnu = Regex.Match(notes, @"Build ID: ([0-9a-f]+)");
        Assert.Equal(gnu.Success ? gnu.Groups[1].Value : null, elf.BuildId);
        var go = Regex.Match(notes, @"GO BUILDID\s+description data: ([0-9a-f ]+)");
        if (go.Success)
        {
            var bytes = go.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => (byte)SymData.Hex(h)).ToArray();
            Assert.Equal(System.Text.Encoding.ASCII.GetString(bytes), elf.GoBuildId);
        }
        else Assert.Null(elf.GoBuildId);
    }

    [Fact]
    public void DebugLinkNameAndCrc()
    {
        using var stripped = ElfFile.Open(SymData.File("hello-pie-stripped"));
        using var debug = ElfFile.Open(SymData.File("hello-pie.debug"));
        Assert.NotNull(stripped.DebugLink);
        Assert.Equal("hello-pie.debug", stripped.DebugLink.Value.FileName);
        // Golden CRC from Python's zlib.crc32 (Data/README.md).
        var golden = Convert.ToUInt32(File.ReadAllText(SymData.File("hello-pie.debug.crc32")).Trim(), 16);
        Assert.Equal(golden, debug.ComputeCrc32());
        Assert.Equal(golden, stripped.DebugLink.Value.Crc);
        Assert.Null(stripped.SymtabSection);
        Assert.NotNull(stripped.DynsymSection);
    }

    [Fact]
    public void StrippedSystemBinaryHasDynsymAndBuildId()
    {
        // /bin/ls on Debian is a stripped PIE: no .symtab, a .dynsym, a GNU build id.
        using var elf = ElfFile.Open("/bin/ls");
        Assert.Null(elf.SymtabSection);
        Assert.NotNull(elf.DynsymSection);
        Assert.Equal(ElfFileType.SharedObject, elf.FileType);
        Assert.Matches("^[0-9a-f]{40}$", elf.BuildId);
    }

    private static string TypeName(byte t) => t switch
    {
        0 => "NOTYPE", 1 => "OBJECT", 2 => "FUNC", 3 => "SECTION", 4 => "FILE", 5 => "COMMON", 6 => "TLS", 10 => "IFUNC",
        _ => t.ToString(CultureInfo.InvariantCulture),
    };

    private static string BindName(byte b) => b switch
    {
        0 => "LOCAL", 1 => "GLOBAL", 2 => "WEAK", 10 => "UNIQUE",
        _ => b.ToString(CultureInfo.InvariantCulture),
    };
}
