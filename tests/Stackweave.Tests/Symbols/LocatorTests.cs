using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

public sealed class LocatorTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("sw-symbols-").FullName;
    private const string PieBuildId = "4c0991a66cddea9722f38f85b90a6723ddbb8521"; // readelf -n hello-pie (Data/hello-pie.readelf-n.txt)

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Put(string relative, string dataFile)
    {
        var p = Path.Combine(_tmp, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.Copy(SymData.File(dataFile), p, overwrite: true);
        return p;
    }

    [Fact]
    public void GoldenBuildIdIsTheFilesOwn()
    {
        using var elf = ElfFile.Open(SymData.File("hello-pie"));
        Assert.Equal(PieBuildId, elf.BuildId);
    }

    [Fact]
    public void DebugLinkInSameDirectory()
    {
        var bin = Put("app/hello", "hello-pie-stripped");
        Put("app/hello-pie.debug", "hello-pie.debug");
        var b = new BinaryLocator(new SymbolOptions { DebugDirs = [] }).Load(bin, PieBuildId);
        Assert.Equal(SymbolRoute.DebugLink, b.Route);
        Assert.Equal("global_work+0x4", b.Table!.Find(0x114a)!.Value.ToString());
    }

    [Fact]
    public void DebugLinkInDotDebugAndDebugDir()
    {
        var bin = Put("app/hello", "hello-pie-stripped");
        Put("app/.debug/hello-pie.debug", "hello-pie.debug");
        Assert.Equal(SymbolRoute.DebugLink, new BinaryLocator(new SymbolOptions { DebugDirs = [] }).Load(bin, null).Route);
        File.Delete(Path.Combine(_tmp, "app/.debug/hello-pie.debug"));
        var dbg = Path.Combine(_tmp, "dbg");
        Put(Path.Combine("dbg", Path.GetDirectoryName(bin)!.TrimStart('/'), "hello-pie.debug"), "hello-pie.debug");
        var b = new BinaryLocator(new SymbolOptions { DebugDirs = [dbg] }).Load(bin, null);
        Assert.Equal(SymbolRoute.DebugLink, b.Route);
    }

    [Fact]
    public void DebugLinkCrcMismatchIsReportedAndBuildIdStillWorks()
    {
        var bin = Put("app/hello", "hello-pie-stripped");
        var bad = Put("app/hello-pie.debug", "hello-pie.debug");
        File.AppendAllText(bad, "x"); // changes the CRC, not the build id
        var dbg = Path.Combine(_tmp, "dbg");
        Put($"dbg/.build-id/{PieBuildId[..2]}/{PieBuildId[2..]}.debug", "hello-pie.debug");
        var b = new BinaryLocator(new SymbolOptions { DebugDirs = [dbg] }).Load(bin, PieBuildId);
        Assert.Contains(b.Messages, m => m.StartsWith("debuglink CRC mismatch", StringComparison.Ordinal));
        Assert.Equal(SymbolRoute.BuildIdDebugFile, b.Route);
        Assert.Equal("main", b.Table!.Find(b.Table.Symbols.ToArray().Single(s => s.Name == "main").Start)!.Value.Name);
    }

    [Fact]
    public void BuildIdMismatchIsNeverUsed()
    {
        var bin = Put("app/hello", "hello-pie");
        var b = new BinaryLocator(new SymbolOptions { DebugDirs = [] }).Load(bin, "00112233445566778899aabbccddeeff00112233");
        Assert.False(b.Found);
        Assert.Contains(b.Messages, m => m.StartsWith("build-id mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public void SymfsThenRecordedPathWithBuildIdCheck()
    {
        var symfs = Path.Combine(_tmp, "symfs");
        Put("symfs/opt/app/hello", "hello-pie");
        var b = new BinaryLocator(new SymbolOptions { Symfs = symfs, DebugDirs = [] }).Load("/opt/app/hello", PieBuildId);
        Assert.Equal(SymbolRoute.Symfs, b.Route);

        // Missing under symfs: the recorded path is used only when its build id matches.
        var real = Put("real/hello", "hello-pie");
        var ok = new BinaryLocator(new SymbolOptions { Symfs = symfs, DebugDirs = [] }).Load(real, PieBuildId);
        Assert.Equal(SymbolRoute.RecordedPathBuildIdChecked, ok.Route);
        var wrong = new BinaryLocator(new SymbolOptions { Symfs = symfs, DebugDirs = [] }).Load(real, "ff" + PieBuildId[2..]);
        Assert.False(wrong.Found);
        Assert.Contains(wrong.Messages, m => m.StartsWith("build-id mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public void DebugFileUnderSymfsByBuildId()
    {
        var symfs = Path.Combine(_tmp, "symfs");
        Put("symfs/opt/app/hello", "hello-pie-stripped");
        Put($"symfs/usr/lib/debug/.build-id/{PieBuildId[..2]}/{PieBuildId[2..]}.debug", "hello-pie.debug");
        var b = new BinaryLocator(new SymbolOptions { Symfs = symfs }).Load("/opt/app/hello", PieBuildId);
        Assert.Equal(SymbolRoute.BuildIdDebugFile, b.Route);
        Assert.Equal("local_helper+0x2", b.Table!.Find(0x113e)!.Value.ToString());
    }

    [Fact]
    public void MissingBinaryIsReported()
    {
        var b = new BinaryLocator(new SymbolOptions { DebugDirs = [] }).Load(Path.Combine(_tmp, "nope"), null);
        Assert.False(b.Found);
        Assert.Equal(SymbolRoute.NotFound, b.Route);
        Assert.Contains(b.Messages, m => m.StartsWith("missing binary", StringComparison.Ordinal));
    }

    [Fact]
    public void LibcUsesItsBuildIdDebugFile()
    {
        // This machine has libc6-dbg: libc's .symtab lives in /usr/lib/debug/.build-id/xx/rest.debug.
        const string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        using var elf = ElfFile.Open(libc);
        var b = new BinaryLocator(new SymbolOptions()).Load(libc, elf.BuildId);
        Assert.Equal(SymbolRoute.BuildIdDebugFile, b.Route);
        Assert.False(b.DynsymOnly);
        Assert.Contains(b.Table!.Symbols.ToArray(), s => s.Name == "__libc_start_call_main");
    }
}
