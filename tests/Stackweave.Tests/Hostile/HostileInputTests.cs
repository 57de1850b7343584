using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using K4os.Compression.LZ4.Streams;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Symbols.Demangle;
using Stackweave.Merge.Unwind;

namespace Stackweave.Tests.Hostile;

/// <summary>Runs alone, so that the bytes allocated while a hostile input is read are its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "hostile inputs";
}

/// <summary>
/// Hostile inputs, each generated here: decompression bombs for every format entry point (zstd, gzip, LZ4), size fields
/// of 2^63, a sample claiming a million callchain entries, pprof ids that point nowhere and million-deep stacks, a
/// bpftrace map with a million-frame stack, protobuf nested 100,000 deep, hostile mangled names and CFI expressions that
/// loop. Each is handled within fixed time and memory: it ends in a result or a CaptureFormatException, never another
/// exception, in under 5 s with under 400 MB allocated (all threads).
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class HostileInputTests
{
    private const long MaxAllocated = 400L << 20;
    private static readonly TimeSpan s_maxTime = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="read"/> under the bounds; returns the format error it threw, or null when it read.</summary>
    private static CaptureFormatException? Bounded(Action read)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        // CPU time of the process (this collection runs alone): wall time on a loaded 2-core machine says little.
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        CaptureFormatException? error = null;
        try { read(); }
        catch (CaptureFormatException e) { error = e; }
        self.Refresh();
        var took = self.TotalProcessorTime - cpu;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(took < s_maxTime, FormattableString.Invariant($"took {took.TotalSeconds:F1} s of CPU"));
        Assert.True(allocated < MaxAllocated, FormattableString.Invariant($"allocated {allocated >> 20} MB"));
        return error;
    }

    private static CaptureFormatException? ReadFile(byte[] bytes, ReadOptions? options = null)
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-hostile-");
        try
        {
            var path = Path.Combine(dir.FullName, "input");
            File.WriteAllBytes(path, bytes);
            return Bounded(() => FormatRegistry.Read(path, options ?? ReadOptions.Default));
        }
        finally { dir.Delete(recursive: true); }
    }

    // ------------------------------------------------------------------ bombs

    /// <summary>
    /// A zstd frame (RFC 8878) holding <paramref name="prefix"/> in raw blocks, then <paramref name="repeat"/> copies of
    /// <paramref name="fill"/> in RLE blocks of 128 KiB (4 bytes each): 2 GiB of output from a 64 KiB file.
    /// </summary>
    internal static byte[] ZstdBomb(ReadOnlySpan<byte> prefix, long repeat, byte fill)
    {
        const int MaxBlock = 128 << 10; // Block_Maximum_Size (RFC 8878 3.1.1.2.4)
        var ms = new MemoryStream();
        ms.Write([0x28, 0xb5, 0x2f, 0xfd]); // Magic_Number 0xFD2FB528
        ms.WriteByte(0x00); // Frame_Header_Descriptor: no content size, not single-segment, no checksum, no dictionary
        ms.WriteByte(7 << 3); // Window_Descriptor: exponent 7 → window 2^(10+7) = 128 KiB
        for (var i = 0; i < prefix.Length; i += MaxBlock)
        {
            var len = Math.Min(MaxBlock, prefix.Length - i);
            BlockHeader(ms, last: false, type: 0, len); // Raw_Block
            ms.Write(prefix.Slice(i, len));
        }
        var left = repeat;
        if (left == 0) BlockHeader(ms, last: true, type: 0, 0);
        while (left > 0)
        {
            var len = (int)Math.Min(MaxBlock, left);
            left -= len;
            BlockHeader(ms, last: left == 0, type: 1, len); // RLE_Block: one byte, repeated Block_Size times
            ms.WriteByte(fill);
        }
        return ms.ToArray();
    }

    private static void BlockHeader(Stream s, bool last, int type, int size)
    {
        // Block_Header: Last_Block (bit 0), Block_Type (bits 1-2), Block_Size (bits 3-23), little-endian 3 bytes
        var h = (uint)(size << 3 | type << 1 | (last ? 1 : 0));
        s.WriteByte((byte)h);
        s.WriteByte((byte)(h >> 8));
        s.WriteByte((byte)(h >> 16));
    }

    // 128 MiB of one byte: deflate and LZ4 cannot expand more than about 1032x and 255x, so the expansion cap does
    // not stop them; the readers must (pprof alone holds its whole decompressed message, as protobuf needs).
    private const int BigFill = 128 << 20;

    private static byte[] GzipBomb(byte[] prefix, byte fill)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write(prefix);
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, fill);
            for (var i = 0; i < BigFill / chunk.Length; i++) gz.Write(chunk);
        }
        return ms.ToArray();
    }

    private static byte[] Lz4Bomb(byte[] prefix, byte fill)
    {
        var ms = new MemoryStream();
        using (var lz = LZ4Stream.Encode(ms, leaveOpen: true))
        {
            lz.Write(prefix);
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, fill);
            for (var i = 0; i < BigFill / chunk.Length; i++) lz.Write(chunk);
        }
        return ms.ToArray();
    }

    /// <summary>Inputs of every format entry point that a bomb follows: the bytes before it and the byte it repeats.</summary>
    public static TheoryData<string, string> BombCases()
    {
        var t = new TheoryData<string, string>();
        foreach (var kind in new[] { "zstd", "gzip", "lz4" })
            foreach (var input in new[] { "perf.data", "perf.data-huge-data", "perf.data.pipe", "pprof", "bpftrace", "bpftrace-json", "perf-script", "folded" })
                t.Add(kind, input);
        return t;
    }

    private static (byte[] Prefix, byte Fill) BombInput(string input)
    {
        switch (input)
        {
            case "perf.data": return (File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data")), 0);
            case "perf.data-huge-data":
            {
                // the header's data section claims 2^40 bytes: everything the bomb yields is data
                var b = File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data"));
                var dataOff = (int)BitConverter.ToUInt64(b, 40);
                BitConverter.GetBytes(1UL << 40).CopyTo(b, 48);
                return (b[..(dataOff + 64)], 0);
            }
            case "perf.data.pipe": return (File.ReadAllBytes(RepoPaths.TestData("pipe", "perf.data.pipe")), 0);
            case "pprof": return (File.ReadAllBytes(RepoPaths.TestData("pprof", "cpu.pb")), 0x48); // time_nanos = 72, again and again
            case "bpftrace": return (File.ReadAllBytes(RepoPaths.TestData("bpftrace", "kstack.txt")), (byte)'a');
            case "bpftrace-json": return (File.ReadAllBytes(RepoPaths.TestData("bpftrace", "kstack.json")), (byte)'a');
            case "perf-script": return (File.ReadAllBytes(RepoPaths.TestData("textin", "go-fp.ns.txt")), (byte)'a');
            case "folded": return (File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data.folded")), (byte)'a');
            default: throw new ArgumentOutOfRangeException(nameof(input));
        }
    }

    [Theory]
    [MemberData(nameof(BombCases))]
    public void DecompressionBombsAreReadInBoundedTimeAndMemory(string kind, string input)
    {
        var (prefix, fill) = BombInput(input);
        var file = kind switch
        {
            "zstd" => ZstdBomb(prefix, 2L << 30, fill),
            "gzip" => GzipBomb(prefix, fill),
            _ => Lz4Bomb(prefix, fill),
        };
        // "small file": the zstd bomb holds 2 GiB in ~64 KiB (plus its prefix); gzip and LZ4 are at their formats' largest ratios
        Assert.True(file.Length < (kind == "zstd" ? 256 << 10 : 2 << 20), FormattableString.Invariant($"{file.Length} bytes"));
        foreach (var salvage in new[] { false, true })
        {
            var e = ReadFile(file, new ReadOptions { Salvage = salvage });
            if (kind == "zstd" && e is not null && e.Expected.Contains("expanding at most", StringComparison.Ordinal))
                Assert.True(e.Offset <= Math.Max(64L << 20, file.Length * 1000L) + (1 << 20), "the cap stops decompression at 1000x the file (64 MiB at least)");
            if (input == "perf.data")
                Assert.Null(e); // bytes after the last section are never decompressed
        }
    }

    [Fact]
    public void ZstdBombStopsAtTheCapWhichIsAnOption()
    {
        var bomb = ZstdBomb(File.ReadAllBytes(RepoPaths.TestData("pprof", "cpu.pb")), 2L << 30, 0x48);
        // 0x48 = tag of time_nanos (field 9, varint), then 0x48 (72) as its value, and again: a valid profile all the
        // way, so only the cap stops it
        var e = ReadFile(bomb);
        Assert.NotNull(e);
        Assert.Contains("expanding at most 1000x", e!.Expected, StringComparison.Ordinal);
        // --max-expansion 10: the cap falls to its 64 MiB floor
        e = ReadFile(bomb, new ReadOptions { Limits = Limits.Default with { MaxExpansionRatio = 10 } });
        Assert.Contains("expanding at most 10x", e!.Expected, StringComparison.Ordinal);
        Assert.InRange(e.Offset, 64L << 20, 65L << 20);
    }

    // ------------------------------------------------------------------ 2^63 sizes

    /// <summary>Offsets in the perf file header (struct perf_file_header, tools/perf/util/header.h) set to 2^63 or 2^64-1.</summary>
    [Theory]
    [InlineData(16, 1UL << 63)] // attr_size
    [InlineData(24, 1UL << 63)] // attrs.offset
    [InlineData(32, 1UL << 63)] // attrs.size
    [InlineData(40, 1UL << 63)] // data.offset
    [InlineData(48, 1UL << 63)] // data.size
    [InlineData(48, ulong.MaxValue)]
    [InlineData(8, 1UL << 63)] // header size
    public void HugeHeaderSizes(int at, ulong value)
    {
        var b = File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data"));
        BitConverter.GetBytes(value).CopyTo(b, at);
        Assert.NotNull(ReadFile(b));
        ReadFile(b, new ReadOptions { Salvage = true });
    }

    [Fact]
    public void HugeFeatureSectionAndAttrSize()
    {
        var orig = File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data"));
        var featTable = (int)(BitConverter.ToUInt64(orig, 40) + BitConverter.ToUInt64(orig, 48));
        var b = (byte[])orig.Clone();
        BitConverter.GetBytes(1UL << 63).CopyTo(b, featTable + 8); // first feature section's size
        ReadFile(b);
        b = (byte[])orig.Clone();
        BitConverter.GetBytes(1UL << 63).CopyTo(b, featTable); // its offset
        ReadFile(b);
        b = (byte[])orig.Clone();
        var attrsOff = (int)BitConverter.ToUInt64(orig, 24);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(b, attrsOff + 4); // perf_event_attr.size
        Assert.NotNull(ReadFile(b));
    }

    [Fact]
    public void PipePayloadSizesOf2To63()
    {
        var pipe = File.ReadAllBytes(RepoPaths.TestData("pipe", "perf.data.pipe"));
        // AUXTRACE (71): header, u64 size (2^63 bytes said to follow), offset, reference, u32 idx, tid, cpu, reserved
        var aux = new byte[48];
        BitConverter.GetBytes(71u).CopyTo(aux, 0);
        BitConverter.GetBytes((ushort)48).CopyTo(aux, 6);
        BitConverter.GetBytes(1UL << 63).CopyTo(aux, 8);
        Assert.NotNull(ReadFile([.. pipe, .. aux]));
        // HEADER_TRACING_DATA (66): header, u32 size = 4 GiB - 1 said to follow
        var td = new byte[16];
        BitConverter.GetBytes(66u).CopyTo(td, 0);
        BitConverter.GetBytes((ushort)16).CopyTo(td, 6);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(td, 8);
        Assert.NotNull(ReadFile([.. pipe[..16], .. td, .. pipe[16..]]));
    }

    [Fact]
    public void SampleClaimingMillionsOfCallchainEntries()
    {
        var b = File.ReadAllBytes(RepoPaths.TestData("cpp-fp", "perf.data"));
        SampleFormat type;
        using (var f = PerfDataFile.Open(new MemoryStream(b), "x", ReadOptions.Default)) type = f.Attrs[0].SampleType;
        Assert.True((type & SampleFormat.Callchain) != 0 && (type & SampleFormat.Read) == 0);
        // fields before CALLCHAIN in perf_output_sample() order, 8 bytes each
        var before = new[] { SampleFormat.Identifier, SampleFormat.Ip, SampleFormat.Tid, SampleFormat.Time, SampleFormat.Addr, SampleFormat.Id, SampleFormat.StreamId, SampleFormat.Cpu, SampleFormat.Period }
            .Count(x => (type & x) != 0);
        var samples = PerfData.PerfTestUtil.WalkData(b).Where(r => r.Type == 9).ToList();
        foreach (var nr in new[] { 1_000_000UL, 1UL << 63, ulong.MaxValue })
        {
            var d = (byte[])b.Clone();
            BitConverter.GetBytes(nr).CopyTo(d, samples[samples.Count / 2].Offset + 8 + before * 8);
            var e = ReadFile(d);
            Assert.NotNull(e);
            Assert.InRange(e!.Offset, samples[samples.Count / 2].Offset, samples[samples.Count / 2].Offset + samples[samples.Count / 2].Size);
            // salvage drops that one sample and reads on
            Assert.Null(ReadFile(d, new ReadOptions { Salvage = true }));
        }
    }

    // ------------------------------------------------------------------ pprof

    private static void Varint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    private static void Field(Stream s, int field, ulong v) { Varint(s, (ulong)field << 3); Varint(s, v); }

    private static void Field(Stream s, int field, ReadOnlySpan<byte> bytes) { Varint(s, (ulong)field << 3 | 2); Varint(s, (ulong)bytes.Length); s.Write(bytes); }

    private static byte[] Msg(Action<MemoryStream> build) { var m = new MemoryStream(); build(m); return m.ToArray(); }

    /// <summary>profile.proto: sample_type {type, unit}, string_table, plus what <paramref name="rest"/> adds.</summary>
    private static byte[] Profile(Action<MemoryStream> rest) => Msg(p =>
    {
        Field(p, 1, Msg(vt => { Field(vt, 1, 1); Field(vt, 2, 2); })); // ValueType sample_type = 1
        foreach (var s in new[] { "", "samples", "count", "main" }) Field(p, 6, Encoding.UTF8.GetBytes(s)); // string_table = 6
        rest(p);
    });

    private static byte[] Packed(IEnumerable<ulong> values) => Msg(m => { foreach (var v in values) Varint(m, v); });

    [Fact]
    public void PprofIdsThatPointNowhere()
    {
        // location 1 → mapping 7 and function 9, neither exists (Location = 4: id 1, mapping_id 2, line 4 {function_id 1})
        var bad = Profile(p =>
        {
            Field(p, 4, Msg(l => { Field(l, 1, 1); Field(l, 2, 7); Field(l, 4, Msg(ln => Field(ln, 1, 9))); }));
            Field(p, 2, Msg(s => { Field(s, 1, Packed([1])); Field(s, 2, Packed([1])); })); // Sample = 2: location_id 1, value 2
        });
        Assert.NotNull(ReadFile(bad));
        // a sample naming a location that does not exist, and a location naming itself as its function
        var self = Profile(p =>
        {
            Field(p, 5, Msg(f => { Field(f, 1, 1); Field(f, 2, 3); })); // Function = 5: id 1, name "main"
            Field(p, 4, Msg(l => { Field(l, 1, 1); Field(l, 4, Msg(ln => Field(ln, 1, 1))); }));
            Field(p, 2, Msg(s => { Field(s, 1, Packed([1, 2, 1])); Field(s, 2, Packed([1])); }));
        });
        Assert.NotNull(ReadFile(self));
        ReadFile(self, new ReadOptions { Salvage = true });
    }

    [Fact]
    public void PprofStackLoopOfAMillionFrames()
    {
        // one location repeated a million times in one sample (a "loop"), and a million samples of it
        var loop = Profile(p =>
        {
            Field(p, 5, Msg(f => { Field(f, 1, 1); Field(f, 2, 3); }));
            Field(p, 4, Msg(l => { Field(l, 1, 1); Field(l, 4, Msg(ln => Field(ln, 1, 1))); }));
            Field(p, 2, Msg(s => { Field(s, 1, Packed(Enumerable.Repeat(1UL, 1_000_000))); Field(s, 2, Packed([5])); }));
        });
        Stackweave.Formats.Model.Profile? profile = null;
        Assert.Null(Bounded(() => profile = PprofReader.Read(new MemoryStream(loop), "loop")));
        var frames = new List<int>();
        profile!.Stacks.LeafFirst(profile.Samples.Stack(0), frames);
        Assert.Equal(Limits.Default.MaxStackDepth, frames.Count);
        // --max-stack-depth lowers (or raises) it
        Assert.Null(Bounded(() => profile = PprofReader.Read(new MemoryStream(loop), "loop", new ReadOptions { Limits = Limits.Default with { MaxStackDepth = 100 } })));
        frames.Clear();
        profile!.Stacks.LeafFirst(profile.Samples.Stack(0), frames);
        Assert.Equal(100, frames.Count);
    }

    [Fact]
    public void PprofLengthsOf2To63()
    {
        // a top-level sample whose length is 2^63, and a packed location list inside a sample claiming 2^63 bytes
        var top = Msg(m => { Varint(m, 2 << 3 | 2); Varint(m, 1UL << 63); m.Write(new byte[32]); });
        Assert.NotNull(ReadFile(top));
        var inner = Profile(p => Field(p, 2, Msg(s => { Varint(s, 1 << 3 | 2); Varint(s, 1UL << 63); s.Write(new byte[16]); })));
        Assert.NotNull(ReadFile(inner));
        ReadFile(inner, new ReadOptions { Salvage = true });
    }

    [Fact]
    public void ProtobufNestedAHundredThousandDeep()
    {
        // an unknown field 99 holding a message nested 100,000 deep, inside a sample and at the top level: skipped by length
        var nested = Array.Empty<byte>();
        for (var i = 0; i < 100_000; i++) nested = Msg(m => Field(m, 99, nested));
        var deep = Profile(p =>
        {
            Field(p, 5, Msg(f => { Field(f, 1, 1); Field(f, 2, 3); }));
            Field(p, 4, Msg(l => { Field(l, 1, 1); Field(l, 4, Msg(ln => Field(ln, 1, 1))); }));
            Field(p, 2, Msg(s => { Field(s, 1, Packed([1])); Field(s, 2, Packed([1])); Field(s, 99, nested); }));
            Field(p, 99, nested);
        });
        Assert.Null(ReadFile(deep));
    }

    // ------------------------------------------------------------------ bpftrace

    [Fact]
    public void BpftraceMapWithAMillionFrameStack()
    {
        var sb = new StringBuilder("Attaching 1 probe...\n\n\n@[\n");
        for (var i = 0; i < 1_000_000; i++) sb.Append(FormattableString.Invariant($"        func{i % 1000}+{i % 7}\n"));
        sb.Append("]: 3\n\n");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        sb.Clear();
        var dir = Directory.CreateTempSubdirectory("stackweave-hostile-");
        try
        {
            var path = Path.Combine(dir.FullName, "million.txt");
            File.WriteAllBytes(path, bytes);
            Stackweave.Formats.Model.Profile? p = null;
            Assert.Null(Bounded(() => p = FormatRegistry.Read(path)));
            var frames = new List<int>();
            p!.Stacks.LeafFirst(p.Samples.Stack(0), frames);
            Assert.Equal(Limits.Default.MaxStackDepth, frames.Count);
            Assert.Equal(1, p.Diagnostics.Get(Stackweave.Formats.Bpftrace.BpftraceProfileBuilder.TruncatedCounter));
        }
        finally { dir.Delete(recursive: true); }
    }

    // ------------------------------------------------------------------ symbols and unwinding

    [Theory]
    [InlineData("_Z", "P", "v", 100_000)]      // pointer to pointer to ... void, 100,000 deep
    [InlineData("_Z1f", "A1_", "i", 50_000)]   // arrays of arrays
    [InlineData("_ZN", "1a", "E", 100_000)]    // a hundred thousand nested names
    [InlineData("_Z1fI", "I", "iE", 50_000)]   // template args nested 50,000 deep
    [InlineData("_RNv", "B4_", "", 100_000)]   // Rust v0 back-references
    [InlineData("_RIN", "INv", "E", 50_000)]
    public void HostileMangledNames(string head, string repeat, string tail, int times)
    {
        var name = head + string.Concat(Enumerable.Repeat(repeat, times)) + tail;
        Bounded(() =>
        {
            foreach (var style in new[] { DemangleStyle.Perf, DemangleStyle.Full })
            {
                var s = Demangler.Demangle(name, style);
                Assert.True(s is null || s.Length < 64 << 20);
            }
        });
    }

    [Fact]
    public void CfiExpressionThatLoopsForever()
    {
        // DW_OP_skip (0x2f) with offset -3: jumps back onto itself (DWARF 5 section 2.5.1.5)
        byte[] loop = [0x2f, 0xfd, 0xff];
        // DW_OP_lit0 (0x30), DW_OP_bra (0x28) +0 ... and a stack-filling DW_OP_dup (0x12) run
        var dup = new byte[1 + 100_000];
        dup[0] = 0x30;
        Array.Fill(dup, (byte)0x12, 1, 100_000);
        Bounded(() =>
        {
            var mem = new StackMemory([], 0);
            Assert.False(TryEval(loop, mem));
            Assert.False(TryEval(dup, mem));
        });
    }

    private static bool TryEval(byte[] expr, in StackMemory mem)
    {
        try { return DwarfExpression.TryEvaluate(expr, [], 0, mem, null, out _); }
        catch (CfiException) { return false; }
    }
}
