using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

public class KallsymsTests
{
    // Shaped like this machine's /proc/kallsyms (three aliases at the image start, a module with a tab-separated [name]).
    private const string Sample =
        "ffffffff81000000 T srso_alias_untrain_ret\n" +
        "ffffffff81000000 T _stext\n" +
        "ffffffff81000000 T _text\n" +
        "ffffffff81000100 t local_fn\n" +
        "ffffffff81000200 W weak_fn\n" +
        "ffffffff81000280 r ro_data_is_skipped\n" +
        "ffffffff81000300 D some_data\n" +
        "not a kallsyms line\n" +
        "ffffffffc0001000 t mod_fn\t[kvm]\n" +
        "ffffffffc0001100 T mod_fn2\t[kvm]\n";

    private static Kallsyms FromText(string text, bool gzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bytes);
            bytes = ms.ToArray();
        }
        return Kallsyms.Load(new MemoryStream(bytes), "sample");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PerfRules(bool gzip)
    {
        var k = FromText(Sample, gzip);
        Assert.Equal(1, k.SkippedLines);
        // fixup_end runs before fixup_duplicate: only the last alias at 0x...000 gets a length, so it wins.
        Assert.Equal(new KernelSymbolHit("_text", 0x10, null), k.Find(0xffffffff81000010));
        Assert.Equal(new KernelSymbolHit("local_fn", 0xff, null), k.Find(0xffffffff810001ff));
        // 'r' symbols are not kept: weak_fn extends to some_data.
        Assert.Equal(new KernelSymbolHit("weak_fn", 0x90, null), k.Find(0xffffffff81000290));
        // Last kernel symbol before module symbols ends at roundup(start + 4096, 4096): the gap is not filled.
        Assert.Equal("some_data", k.Find(0xffffffff81001fff)!.Value.Name);
        Assert.Null(k.Find(0xffffffff81002000));
        var m = k.Find(0xffffffffc0001010)!.Value;
        Assert.Equal(("mod_fn", 0x10UL, "kvm", "[kvm]"), (m.Name, m.Offset, m.Module, m.Dso));
        // The last symbol ends one page past its rounded-up start.
        Assert.Equal("mod_fn2", k.Find(0xffffffffc0002fff)!.Value.Name);
        Assert.Null(k.Find(0xffffffffc0003000));
        Assert.Null(k.Find(0xffffffff80000000));
    }

    [Fact]
    public void CorruptGzipIsACaptureFormatError()
    {
        var bytes = new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x11 };
        var e = Assert.Throws<Stackweave.Formats.IO.CaptureFormatException>(() => Kallsyms.Load(new MemoryStream(bytes), "bad.gz"));
        Assert.Equal("bad.gz", e.File);
    }

    /// <summary>Arbitrary text never throws: lines that are not "address type name" are skipped, as perf does.</summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool ArbitraryTextNeverThrows(string[] lines)
    {
        var text = string.Join('\n', (lines ?? []).Select(l => l ?? ""));
        var k = FromText(text + "\nffffffff81000000 T _text\n");
        return k.Find(0xffffffff81000000) is { Name: "_text" } || k.Count > 1;
    }

    [Fact]
    public void ReferenceSymbolCheck()
    {
        var k = FromText(Sample);
        Assert.Null(k.CheckAgainstCapture(0xffffffff81000000));
        var w = k.CheckAgainstCapture(0xffffffff9a000000);
        Assert.NotNull(w);
        Assert.Contains("0xffffffff9a000000", w);
        Assert.NotNull(FromText("ffffffff81000100 t x\n").CheckAgainstCapture(0xffffffff81000000));
    }

    [Fact]
    public void CaptureKallsymsMatchesCaptureKernelMap()
    {
        // The dump of the system-wide capture shows perf's synthesized kernel map: "... @ 0xffffffff81000000]: x [kernel.kallsyms]_text".
        var dump = File.ReadLines(RepoPaths.TestData("system-wide", "perf.data.dump.txt"))
            .First(l => l.EndsWith("[kernel.kallsyms]_text", StringComparison.Ordinal));
        var pgoff = ulong.Parse(Regex.Match(dump, @"@ 0x([0-9a-f]+)\]").Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var k = SymData.KallsymsForCaptures();
        Assert.True(k.Count > 10000);
        Assert.Null(k.CheckAgainstCapture(pgoff));
    }
}
