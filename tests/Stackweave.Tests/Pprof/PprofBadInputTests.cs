using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.Pprof;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pprof;

/// <summary>Damaged and invalid profiles give one CaptureFormatException naming the byte offset of the offending field.</summary>
public class PprofBadInputTests
{
    /// <summary>A profile with one sample type (samples/count) and the given body; strings "", "samples", "count", "f".</summary>
    private static byte[] Profile(Action<ProtoWriter> body, bool strings = true)
    {
        var w = new ProtoWriter();
        var vt = new ProtoWriter();
        vt.Int(1, 1);
        vt.Int(2, 2);
        w.Bytes(1, vt.Written);
        body(w);
        if (strings)
            foreach (var s in new[] { "", "samples", "count", "f" }) w.String(6, s);
        return w.Written.ToArray();
    }

    private static byte[] Msg(Action<ProtoWriter> f)
    {
        var w = new ProtoWriter();
        f(w);
        return w.Written.ToArray();
    }

    private static CaptureFormatException Fails(byte[] data, string expected)
    {
        var e = Assert.Throws<CaptureFormatException>(() => PprofReader.Decode(data, "bad.pb"));
        Assert.Contains(expected, e.Expected, StringComparison.Ordinal);
        Assert.Equal("bad.pb", e.File);
        return e;
    }

    // The sample_type field takes bytes 0-5 (tag, length 4, type=1, unit=2); the body starts at byte 6.
    private const int Body = 6;

    [Fact]
    public void Valid_base_profile_reads()
    {
        var p = PprofReader.Decode(Profile(w => w.Bytes(2, Msg(s => { s.Tag(2, 0); s.Varint(3); }))), "ok.pb");
        Assert.Equal(1, p.Samples.Count);
        Assert.Equal(3, p.Samples.Values(0)[0]);
    }

    [Fact]
    public void Bad_varint()
    {
        var data = Profile(w => w.Tag(9, 0), strings: false).Concat(Enumerable.Repeat((byte)0xff, 11)).ToArray();
        // tag at byte 6, the varint starts at byte 7
        Assert.Equal(Body + 1, Fails(data, "varint").Offset);
    }

    [Fact]
    public void Varint_cut_by_the_end_of_input()
    {
        var data = Profile(w => { w.Tag(9, 0); }, strings: false).Concat(new byte[] { 0x80, 0x80 }).ToArray();
        Assert.Equal(Body + 1, Fails(data, "complete varint").Offset);
    }

    [Fact]
    public void Wrong_wire_type()
    {
        var data = Profile(w => { w.Tag(2, 0); w.Varint(1); });
        var e = Fails(data, "sample (field 2) with wire type 2 (length-delimited), not 0");
        Assert.Equal(Body, e.Offset);
    }

    [Fact]
    public void Length_past_the_end()
    {
        var data = Profile(w => { w.Tag(2, 2); w.Varint(100); w.Varint(8); }, strings: false);
        var e = Fails(data, "a length of at most 1 bytes");
        Assert.Equal(Body + 1, e.Offset);
    }

    [Fact]
    public void String_index_out_of_range()
    {
        var data = Profile(w => w.Bytes(5, Msg(f => { f.Int(1, 1); f.Int(2, 9); })));
        var e = Fails(data, "a string index below 4 (the string_table size) for function.name, not 9");
        Assert.Equal(Body + 2 + 2, e.Offset); // function field tag+len, then id field (2 bytes), then the name field
    }

    [Fact]
    public void First_string_not_empty()
    {
        var w = new ProtoWriter();
        w.String(6, "x");
        Assert.Equal(0, Fails(w.Written.ToArray(), "string_table[0] to be the empty string").Offset);
    }

    [Fact]
    public void Unknown_location_id()
    {
        var data = Profile(w => w.Bytes(2, Msg(s => { s.Packed(1, [7]); s.Packed(2, [1]); })));
        var e = Fails(data, "a location id defined in the profile, not 7");
        Assert.Equal(Body + 2 + 2, e.Offset); // sample tag+len, packed tag+len, then the id
    }

    [Fact]
    public void Value_count_differs_from_sample_types()
    {
        var data = Profile(w => w.Bytes(2, Msg(s => s.Packed(2, [1, 2]))));
        Fails(data, "at most 1 values");
        var none = Profile(w => w.Bytes(2, Msg(s => s.Packed(1, []))));
        Assert.Equal(Body, Fails(none, "1 values in the sample (one per sample type), not 0").Offset);
    }

    [Fact]
    public void Duplicate_and_zero_ids()
    {
        var loc = Msg(l => l.Int(1, 5));
        Fails(Profile(w => { w.Bytes(4, loc); w.Bytes(4, loc); }), "a unique location id, not a second location 5");
        Fails(Profile(w => w.Bytes(4, Msg(l => l.Int(3, 5)))), "a location id other than 0");
        Fails(Profile(w => w.Bytes(5, Msg(f => f.Int(2, 3)))), "a function id other than 0");
        Fails(Profile(w => w.Bytes(3, Msg(m => m.Int(2, 3)))), "a mapping id other than 0");
    }

    [Fact]
    public void Line_naming_no_function()
    {
        var data = Profile(w => w.Bytes(4, Msg(l => { l.Int(1, 1); l.Bytes(4, Msg(ln => ln.Int(1, 42))); })));
        Fails(data, "a line naming an existing function, not function 42");
    }

    [Fact]
    public void Group_wire_type_is_refused()
    {
        Fails(Profile(w => { w.Tag(20, 3); }), "a known wire type");
    }

    [Fact]
    public void Cli_reports_exit_2_with_file_and_offset_for_a_truncated_gzip()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-pprof-bad-");
        try
        {
            var full = File.ReadAllBytes(PprofGoldenTests.Data("cpu.pb.gz"));
            var path = Path.Combine(dir.FullName, "cut.pb.gz");
            File.WriteAllBytes(path, full[..(full.Length / 2)]);
            var r = CliRunner.Run("convert", path);
            Assert.Equal(2, r.ExitCode);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.Contains(path + ": at byte ", r.Stderr, StringComparison.Ordinal);

            // A raw profile cut inside a sample: the field's offset is named; --salvage keeps what came before.
            var raw = File.ReadAllBytes(PprofGoldenTests.Data("crafted.pb"));
            var cut = Path.Combine(dir.FullName, "cut.pb");
            File.WriteAllBytes(cut, raw[..(raw.Length - 40)]);
            r = CliRunner.Run("convert", cut);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(cut + ": at byte ", r.Stderr, StringComparison.Ordinal);
            r = CliRunner.Run("convert", cut, "--salvage");
            Assert.Equal(3, r.ExitCode);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Detection_tells_pprof_from_perf_data_and_text()
    {
        var f = PprofFormat.Instance;
        Assert.Equal(DetectResult.Yes, f.Detect(File.ReadAllBytes(PprofGoldenTests.Data("cpu.pb")).AsSpan(0, 256)));
        Assert.Equal(DetectResult.Yes, f.Detect(File.ReadAllBytes(PprofGoldenTests.Data("crafted.pb")).AsSpan(0, 256)));
        Assert.Equal(DetectResult.No, f.Detect(File.ReadAllBytes(RepoPaths.TestData("go-fp", "perf.data")).AsSpan(0, 256)));
        Assert.Equal(DetectResult.No, f.Detect("main;foo;bar 12\nmain;baz 3\n"u8));
        Assert.Equal(DetectResult.No, f.Detect("@[\n    foo+12\n]: 4\n"u8));
        Assert.Equal(DetectResult.No, f.Detect([]));
        Assert.Equal("pprof", FormatRegistry.Read(PprofGoldenTests.Data("cpu.pb")).Source.Format);
        Assert.Equal("perf.data", FormatRegistry.Read(RepoPaths.TestData("go-fp", "perf.data")).Source.Format);
    }
}
