using FsCheck.Xunit;
using Stackweave.Formats.IO;
using Stackweave.Merge.Symbols;
using Stackweave.Testing;

namespace Stackweave.Tests.DebugJit;

/// <summary>The jitdump reader on files written by the test-only writer: every record type, both byte orders, damage.</summary>
public sealed class JitDumpTests
{
    private static byte[] Code(int n, byte fill = 0x90) => Enumerable.Repeat(fill, n).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryRecordTypeInEitherByteOrder(bool bigEndian)
    {
        var bytes = JitDumpWriter.Write(
        [
            new JitDebugRecord(5, 0x1000, [(0x1000, 10, 0, "a.js"), (0x1008, 12, 1, null), (0x1010, 14, 0, "b.js")]),
            new JitLoadRecord(6, 42, 43, 0x1000, 1, "JS:*outer a.js:1", Code(0x40)),
            new JitUnwindRecord(7, Code(24, 0), 8, 24),
            new JitLoadRecord(8, 42, 43, 0x2000, 2, "JS:~inner a.js:9", Code(0x20)),
            new JitUnknownRecord(9, 77, Code(5)),
            new JitMoveRecord(10, 42, 43, 0x2000, 0x3000, 0x20, 2),
            new JitMoveRecord(11, 42, 43, 0x9000, 0xa000, 0x20, 99),
            new JitCloseRecord(12),
            new JitLoadRecord(13, 42, 43, 0x5000, 3, "after close", Code(4)),
        ], pid: 42, bigEndian: bigEndian);
        var d = JitDump.Read(bytes, "t.dump");
        Assert.Equal(bigEndian, d.BigEndian);
        Assert.Equal(42, d.Pid);
        Assert.Equal(62u, d.ElfMachine);
        Assert.Null(d.Damage);
        Assert.True(d.Closed);
        Assert.Equal(2, d.Loads);
        Assert.Equal(2, d.Moves);
        Assert.Equal(1, d.UnmatchedMoves);
        Assert.Equal(1, d.UnwindingInfos);
        Assert.Equal(1, d.UnknownRecords);
        Assert.Equal([0x1000UL, 0x2000, 0x3000], d.Code.Select(c => c.CodeAddress));
        var map = d.ToCodeMap();
        Assert.Equal("JS:*outer a.js:1+0x3f", map.Find(0x103f)!.Value.ToString());
        Assert.Null(map.Find(0x1040));
        // The moved code answers at both places (samples before the move hit the old one).
        Assert.Equal("JS:~inner a.js:9+0x4", map.Find(0x2004)!.Value.ToString());
        Assert.Equal("JS:~inner a.js:9+0x4", map.Find(0x3004)!.Value.ToString());
        Assert.Null(map.Find(0x5000)); // after CODE_CLOSE nothing is read
        // 0xff 0x00 repeats the previous entry's file.
        Assert.Equal(new JitDebugEntry(0x1008, 12, 1, "a.js"), map.SourceOf(0x1000, 0x100c));
        Assert.Equal("b.js", map.SourceOf(0x1000, 0x1030)!.Value.File);
        Assert.Null(map.SourceOf(0x1000, 0xfff));
    }

    [Fact]
    public void LaterLoadsWinWhereRegionsOverlapAndOffsetsStayFromTheirStart()
    {
        var bytes = JitDumpWriter.Write(
        [
            new JitLoadRecord(1, 1, 1, 0x1000, 1, "small-first", Code(0x10)),
            new JitLoadRecord(2, 1, 1, 0x0f00, 2, "big-later", Code(0x400)),
            new JitLoadRecord(3, 1, 1, 0x1100, 3, "stub-inside", Code(0x10)),
        ], pid: 1);
        var map = JitDump.Read(bytes, "t").ToCodeMap();
        Assert.Equal("big-later+0x108", map.Find(0x1008)!.Value.ToString());
        Assert.Equal("stub-inside+0x8", map.Find(0x1108)!.Value.ToString());
        Assert.Equal("big-later+0x210", map.Find(0x1110)!.Value.ToString());
        Assert.Equal(3, map.Segments);
    }

    [Fact]
    public void BadHeadersAreFormatErrors()
    {
        Assert.Throws<CaptureFormatException>(() => JitDump.Read(new byte[39], "t"));
        var bytes = JitDumpWriter.Write([], pid: 1);
        bytes[0] ^= 0xff;
        var e = Assert.Throws<CaptureFormatException>(() => JitDump.Read(bytes, "t"));
        Assert.Contains("JiTD", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedRecordKeepsWhatCameBefore()
    {
        // .NET 10.0's default stub reporting writes a CODE_LOAD whose code it cannot read: the file ends inside it.
        var bytes = JitDumpWriter.Write([new JitLoadRecord(1, 1, 1, 0x1000, 1, "first", Code(16)), new JitLoadRecord(2, 1, 1, 0x2000, 2, "cut", Code(4096))], pid: 1);
        var d = JitDump.Read(bytes.AsSpan(0, bytes.Length - 100), "t");
        Assert.Single(d.Code);
        Assert.NotNull(d.Damage);
        Assert.Equal(40 + 16 + 40 + 6 + 16, d.Damage!.Offset);
    }

    private static List<JitDumpRecord> RandomRecords(int seed, out List<(ulong Addr, ulong Size, string Name)> placed)
    {
        var rnd = new Random(seed);
        var list = new List<JitDumpRecord>();
        placed = [];
        var loads = new List<(ulong Index, ulong Addr, int Size, string Name)>();
        for (int i = 0, n = rnd.Next(0, 30); i < n; i++)
        {
            ulong ts = (ulong)i + 1;
            switch (rnd.Next(5))
            {
                case 0 or 1:
                {
                    var addr = 0x10000UL + (ulong)rnd.Next(0, 1 << 16) * 16;
                    var size = rnd.Next(1, 300);
                    var name = "m" + i + (rnd.Next(3) == 0 ? " é∑" : "");
                    list.Add(new JitLoadRecord(ts, 7, 8, addr, (ulong)i, name, Code(size)));
                    loads.Add(((ulong)i, addr, size, name));
                    placed.Add((addr, (ulong)size, name));
                    break;
                }
                case 2 when loads.Count > 0:
                {
                    var l = loads[rnd.Next(loads.Count)];
                    var to = 0x900000UL + (ulong)rnd.Next(0, 1 << 16) * 16;
                    list.Add(new JitMoveRecord(ts, 7, 8, l.Addr, to, (ulong)l.Size, l.Index));
                    placed.Add((to, (ulong)l.Size, l.Name));
                    break;
                }
                case 3:
                    list.Add(new JitDebugRecord(ts, 0x10000, [.. Enumerable.Range(0, rnd.Next(4)).Select(k => (0x10000UL + (ulong)k, k + 1, 0, k % 2 == 0 ? "f.cs" : (string?)null))]));
                    break;
                default:
                    list.Add(new JitUnwindRecord(ts, Code(rnd.Next(0, 64), 0), 0, 0));
                    break;
            }
        }
        return list;
    }

    /// <summary>Round trip: every load and move written is read back, in order, in either byte order.</summary>
    [Property(MaxTest = 300)]
    public bool WrittenRecordsReadBack(int seed, bool bigEndian)
    {
        var records = RandomRecords(seed, out var placed);
        var d = JitDump.Read(JitDumpWriter.Write(records, pid: 7, bigEndian: bigEndian), "t");
        return d.Damage is null && d.Code.Select(c => (c.CodeAddress, c.Size, c.Name)).SequenceEqual(placed)
               && d.UnwindingInfos == records.Count(r => r is JitUnwindRecord);
    }

    /// <summary>Corruption (bit flips, truncation) only ever gives a format error or a partial read; lookups never throw.</summary>
    [Property(MaxTest = 500)]
    public bool DamageIsAFormatErrorOrAPartialRead(int seed, int flips, int cut)
    {
        var bytes = JitDumpWriter.Write(RandomRecords(seed, out _), pid: 7, bigEndian: (seed & 1) != 0);
        var rnd = new Random(seed ^ flips);
        for (var i = 0; i < (uint)flips % 8; i++) bytes[rnd.Next(bytes.Length)] ^= (byte)(1 << rnd.Next(8));
        var len = cut == 0 ? bytes.Length : (int)((uint)cut % (uint)bytes.Length);
        try
        {
            var d = JitDump.Read(bytes.AsSpan(0, len), "t");
            var map = d.ToCodeMap();
            for (var k = 0; k < 50; k++) { var a = (ulong)rnd.NextInt64(); _ = map.Find(a); _ = map.SourceOf(a, a); }
            foreach (var c in d.Code) _ = map.Find(c.CodeAddress);
            return true;
        }
        catch (CaptureFormatException)
        {
            return true;
        }
    }
}
