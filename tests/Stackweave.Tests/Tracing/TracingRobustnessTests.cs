using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData.Tracing;

namespace Stackweave.Tests.Tracing;

/// <summary>Damaged blobs and payloads: only CaptureFormatException from parsing, nothing at all from rendering.</summary>
public class TracingRobustnessTests
{
    private const long Base = 1000;

    private static readonly Lazy<byte[]> s_realBlob = new(() =>
        new PerfDataMini(TracingGoldenTests.OwnData("mixed.perf.data")).Tracing.ToArray());

    private static readonly Lazy<TracingData> s_real = new(() => TracingData.Parse(s_realBlob.Value, "mixed", Base));

    /// <summary>Parses; returns null after a CaptureFormatException whose offset lies inside the blob.</summary>
    private static TracingData? ParseOrNull(byte[] data)
    {
        try
        {
            return TracingData.Parse(data, "blob", Base);
        }
        catch (CaptureFormatException e)
        {
            Assert.Equal("blob", e.File);
            Assert.InRange(e.Offset, Base, Base + data.Length);
            return null;
        }
    }

    [Fact]
    public void EveryTruncationOfARealBlobIsRejected()
    {
        var blob = s_realBlob.Value;
        for (int n = 0; n < blob.Length; n += n < 300 ? 1 : 29)
            Assert.Null(ParseOrNull(blob[..n]));
        Assert.NotNull(ParseOrNull(blob));
    }

    [Fact]
    public void BadMagicNamesItsOffset()
    {
        var blob = (byte[])s_realBlob.Value.Clone();
        blob[3] = (byte)'T';
        var e = Assert.Throws<CaptureFormatException>(() => TracingData.Parse(blob, "x", Base));
        Assert.Equal(Base, e.Offset);
        Assert.Contains("magic", e.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizedSectionLengthIsRejectedWithoutAllocating()
    {
        var blob = (byte[])s_realBlob.Value.Clone();
        // header_page size: after magic (10), "0.6\0" (4), endian, long size (2), page size (4), "header_page\0" (12)
        int at = 10 + 4 + 2 + 4 + 12;
        BitConverter.TryWriteBytes(blob.AsSpan(at, 8), ulong.MaxValue - 3);
        var e = Assert.Throws<CaptureFormatException>(() => TracingData.Parse(blob, "x", Base));
        Assert.Equal(Base + at + 8, e.Offset);
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void RandomBytesOnlyEverGiveCaptureFormatException(byte[] data)
    {
        ParseOrNull(data);
        // With a valid magic prefix the parser goes deeper.
        ParseOrNull([.. s_realBlob.Value.AsSpan(0, 10), .. data]);
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property MutatedRealBlobParsesOrIsRejected()
    {
        var blob = s_realBlob.Value;
        var gen = Gen.Choose(0, blob.Length - 1).Two().Select(t => (Pos: t.Item1, Val: t.Item2 & 0xff));
        return Prop.ForAll(gen.ToArbitrary(), m =>
        {
            var copy = (byte[])blob.Clone();
            copy[m.Pos] = (byte)m.Val;
            var td = ParseOrNull(copy);
            if (td is null) return;
            // Whatever formats survived must render any payload without throwing.
            var raw = new byte[64];
            new Random(m.Pos).NextBytes(raw);
            foreach (var f in td.Formats) f.Render(raw);
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void RandomPayloadsRenderWithoutThrowing(byte[] raw, bool bigEndian)
    {
        var syms = KernelSymbols.Parse(File.ReadAllBytes(TracingGoldenTests.OwnData("kallsyms.excerpt")));
        foreach (var f in s_real.Value.Formats)
        {
            f.Render(raw, bigEndian, syms.Resolve);
            f.TryGetField(raw, f.Fields.Count > 0 ? f.Fields[0].Name : "x", out string _);
            f.TryGetField(raw, f.Fields.Count > 0 ? f.Fields[^1].Name : "x", out long _);
        }
    }

    [Fact]
    public void TruncatedRealPayloadsRenderWithoutThrowing()
    {
        var pd = new PerfDataMini(TracingGoldenTests.OwnData("mixed.perf.data"));
        var td = s_real.Value;
        foreach (var s in pd.Samples.Take(60))
        {
            var f = td.FindById((long)s.Config)!;
            for (int n = 0; n <= s.Raw.Length; n++)
                f.Render(s.Raw.AsSpan(0, n));
        }
    }
}
