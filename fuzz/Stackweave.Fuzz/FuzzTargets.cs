using System.Buffers.Binary;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Dwarf;
using Stackweave.Merge.Symbols.Go;
using Stackweave.Merge.Unwind;

namespace Stackweave.Fuzz;

/// <summary>
/// The fuzz targets: one entry point per reader, fed one input's bytes. Only the reader's documented format error
/// (<see cref="CaptureFormatException"/>; for CFI also <see cref="CfiException"/>) is caught: any other exception, or
/// more than <see cref="AllocationCap"/> bytes allocated for one input, escapes as a finding. This file is compiled
/// into the AFL harness (fuzz/Stackweave.Fuzz) and into the test project, which replays the saved corpus through it.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Name shown in format errors for fuzz inputs.</summary>
    public const string InputName = "fuzz-input";

    /// <summary>
    /// Most bytes one input may make the reader allocate (cumulative, on the calling thread): 1 GiB for inputs of at most
    /// AFL's 1 MB (afl-fuzz MAX_FILE); the zstd/gzip expansion allowance of <see cref="Limits.MinExpansionAllowance"/> (64 MiB)
    /// fits many times over.
    /// </summary>
    public const long AllocationCap = 1L << 30;

    /// <summary>The target names, in the order run.sh runs them.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "perf", "pprof", "dwarf", "cfi", "elf", "pclntab", "bpftrace-text", "bpftrace-json", "jitdump", "folded", "perf-script", "kallsyms",
    ];

    /// <summary>
    /// Runs one target on one input. Returns null for accepted input and the message for a format error; anything else
    /// (a finding) throws.
    /// </summary>
    public static string? Run(string target, byte[] data)
    {
        string? error = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            switch (target)
            {
                case "perf": Perf(data); break;
                case "pprof": Read(Formats.Pprof.PprofFormat.Instance, data); break;
                case "bpftrace-text":
                case "bpftrace-json": Read(Formats.Bpftrace.BpftraceFormat.Instance, data); break;
                case "folded": Read(Formats.Folded.FoldedFormat.Instance, data); break;
                case "perf-script": Read(Formats.PerfScript.PerfScriptFormat.Instance, data); break;
                case "elf": Elf(data); break;
                case "pclntab": PclnTab(data); break;
                case "dwarf": Dwarf(data); break;
                case "cfi": Cfi(data); break;
                case "jitdump": JitDump(data); break;
                case "kallsyms": Kallsyms.Load(new MemoryStream(data, writable: false), InputName).Find(0xffffffff81000000); break;
                default: throw new ArgumentException("unknown fuzz target " + target, nameof(target));
            }
        }
        catch (CaptureFormatException e)
        {
            // The documented answer to bad input.
            error = e.Message;
        }
        catch (CfiException e) when (target == "cfi")
        {
            // The CFI unwinder's documented error (StackWalker turns it into UnwindStop.BadCfi).
            error = "CFI: " + e.Message;
        }
        var used = GC.GetAllocatedBytesForCurrentThread() - before;
        if (used > AllocationCap)
            throw new InvalidOperationException(FormattableString.Invariant($"fuzz finding: {target} allocated {used} bytes for a {data.Length}-byte input"));
        return error;
    }

    /// <summary>Bytes before the image in a pclntab input.</summary>
    public const int PclnHeader = 21;

    private static void Read(ICaptureFormat format, byte[] data)
    {
        using var s = new MemoryStream(data, writable: false);
        format.Read(s, InputName, ReadOptions.Default);
    }

    /// <summary>perf.data: a file-mode header (size 104) is read seekable, anything else as a pipe (not seekable, like stdin).</summary>
    private static void Perf(byte[] data)
    {
        // perf 6.1 tools/perf/util/header.h: struct perf_file_header (104 bytes) vs perf_pipe_file_header (16 bytes); size at offset 8.
        var fileMode = data.Length >= 16 && BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(8)) == 104;
        using Stream s = fileMode ? new MemoryStream(data, writable: false) : new ForwardOnlyStream(data);
        Formats.PerfData.PerfDataFormat.Instance.Read(s, InputName, ReadOptions.Default);
    }

    /// <summary>ELF: headers, symbol tables (as the symbolizer loads them), debug link, build id, and a Go pclntab if any.</summary>
    private static void Elf(byte[] data)
    {
        using var elf = ElfFile.FromBytes(data, InputName);
        _ = elf.BuildId;
        _ = elf.DebugLink;
        foreach (var s in elf.Sections)
        {
            elf.FileOffsetToAddress(s.Offset);
            elf.AddressToFileOffset(s.Address);
        }
        var table = SymbolTable.FromElf(elf, elf);
        if (elf.DynsymSection is { } dyn) elf.ReadSymbols(dyn);
        foreach (var seg in elf.Segments) table.Find(seg.Offset + seg.FileSize / 2);
        GoBinary.Load(elf);
    }

    /// <summary>
    /// Go pclntab. Input: u64 image address, u64 go:func.* address (0 = unknown), u8 Go minor version (0 = unknown),
    /// u32 table length (clamped to the image), then the image, whose first byte is the table header. Every 1/64th of
    /// the covered pc range is resolved.
    /// </summary>
    private static void PclnTab(byte[] data)
    {
        if (data.Length < PclnHeader) return;
        var imageAddress = BinaryPrimitives.ReadUInt64LittleEndian(data);
        var goFunc = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(8));
        var minor = data[16];
        var image = data.AsSpan(PclnHeader).ToArray();
        var length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(17)), (uint)image.Length);
        var tab = new GoPclnTab(new GoPclnSource(image, imageAddress, 0, length, null, goFunc == 0 ? null : goFunc, minor == 0 ? null : minor), InputName, PclnHeader);
        var frames = new List<GoFrame>();
        var span = tab.MaxPc > tab.MinPc ? tab.MaxPc - tab.MinPc : 0;
        for (ulong k = 0; k <= 64; k++)
        {
            var pc = tab.MinPc + span / 64 * k;
            var i = tab.FindFunction(pc);
            if (i >= 0) { tab.FunctionName(i); tab.FunctionEntry(i); }
            frames.Clear();
            tab.Resolve(pc, frames, out _);
        }
    }

    /// <summary>DWARF: the input's sections are put in an ELF image and read by <see cref="DwarfSource"/>, which is asked for the frames and line of each probe address.</summary>
    private static void Dwarf(byte[] data)
    {
        var slots = SectionContainer.Split(data, SectionContainer.DwarfSlots.Length + 1);
        var elf = SectionContainer.BuildElf(SectionContainer.DwarfSlots, slots.AsSpan(1));
        var source = new DwarfSource(InputName, () => ElfFile.FromBytes(elf, InputName));
        foreach (var pc in SectionContainer.Addresses(slots[0]))
        {
            source.Frames(pc);
            source.LineAt(pc);
        }
    }

    /// <summary>CFI: <c>.eh_frame</c> (with <c>.eh_frame_hdr</c>) and <c>.debug_frame</c> bytes; the row of each probe pc is computed.</summary>
    private static void Cfi(byte[] data)
    {
        var slots = SectionContainer.Split(data, 4);
        var addresses = SectionContainer.Addresses(slots[0]);
        // Slot 0: .eh_frame address, .eh_frame_hdr address, then probe pcs.
        var ehAddress = addresses.Length > 0 ? addresses[0] : 0;
        var hdrAddress = addresses.Length > 1 ? addresses[1] : 0;
        var module = UnwindModule.FromSections(InputName, UnwindArch.X86_64, slots[1], ehAddress, slots[2], hdrAddress, slots[3]);
        for (var i = 2; i < addresses.Length; i++) module.Find(addresses[i]);
    }

    private static void JitDump(byte[] data)
    {
        var dump = Merge.Symbols.JitDump.Read(data, InputName);
        var map = dump.ToCodeMap();
        foreach (var c in dump.Code)
        {
            map.Find(c.CodeAddress + c.Size / 2);
            map.SourceOf(c.CodeAddress, c.CodeAddress + c.Size / 2);
        }
    }

    /// <summary>A stream that can only be read forward, as a pipe on stdin.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            // Short reads, as a pipe gives them: at most 4096 bytes at a time.
            var n = Math.Min(Math.Min(buffer.Length, data.Length - _pos), 4096);
            data.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// The input layout of the section targets (DWARF, CFI): slots of (u32 little-endian length, bytes); a length past the end
/// takes the rest, a missing or empty slot is an absent section. Slot 0 holds little-endian u64 addresses.
/// </summary>
public static class SectionContainer
{
    /// <summary>The DWARF sections of slots 1.., in order.</summary>
    public static readonly string[] DwarfSlots =
        [".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str", ".debug_str_offsets", ".debug_addr", ".debug_ranges", ".debug_rnglists", ".debug_line"];

    /// <summary>Splits <paramref name="data"/> into <paramref name="count"/> slots (null = absent).</summary>
    public static byte[]?[] Split(byte[] data, int count)
    {
        var slots = new byte[]?[count];
        var at = 0;
        for (var i = 0; i < count && at + 4 <= data.Length; i++)
        {
            var len = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)), (uint)(data.Length - at - 4));
            at += 4;
            if (len > 0) slots[i] = data.AsSpan(at, len).ToArray();
            at += len;
        }
        return slots;
    }

    /// <summary>Joins slots into one input (the inverse of <see cref="Split"/>).</summary>
    public static byte[] Join(IReadOnlyList<byte[]?> slots)
    {
        var ms = new MemoryStream();
        Span<byte> len = stackalloc byte[4];
        foreach (var s in slots)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)(s?.Length ?? 0));
            ms.Write(len);
            if (s is not null) ms.Write(s);
        }
        return ms.ToArray();
    }

    /// <summary>The little-endian u64 values of a slot (at most 256).</summary>
    public static ulong[] Addresses(byte[]? slot)
    {
        if (slot is null) return [];
        var n = Math.Min(slot.Length / 8, 256);
        var a = new ulong[n];
        for (var i = 0; i < n; i++) a[i] = BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(i * 8));
        return a;
    }

    /// <summary>
    /// A little-endian ELF64 relocatable image holding the given sections (ELF gABI: 64-byte Elf64_Ehdr, 64-byte Elf64_Shdr,
    /// section 0 null, last section .shstrtab).
    /// </summary>
    public static byte[] BuildElf(IReadOnlyList<string> names, ReadOnlySpan<byte[]?> contents)
    {
        var present = new List<(string Name, byte[] Data)>();
        for (var i = 0; i < names.Count && i < contents.Length; i++)
            if (contents[i] is { } d) present.Add((names[i], d));
        var shstr = new MemoryStream();
        shstr.WriteByte(0);
        var nameOffsets = new int[present.Count + 1];
        for (var i = 0; i <= present.Count; i++)
        {
            nameOffsets[i] = (int)shstr.Length;
            shstr.Write(System.Text.Encoding.ASCII.GetBytes(i < present.Count ? present[i].Name : ".shstrtab"));
            shstr.WriteByte(0);
        }
        var shstrBytes = shstr.ToArray();
        var body = new MemoryStream();
        body.Write(new byte[64]);
        var offsets = new long[present.Count + 1];
        for (var i = 0; i <= present.Count; i++)
        {
            offsets[i] = body.Length;
            body.Write(i < present.Count ? present[i].Data : shstrBytes);
        }
        while (body.Length % 8 != 0) body.WriteByte(0);
        var shoff = body.Length;
        var shnum = present.Count + 2;
        var sh = new byte[64 * shnum];
        for (var i = 0; i <= present.Count; i++)
        {
            var e = sh.AsSpan(64 * (i + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(e, (uint)nameOffsets[i]);        // sh_name
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], i < present.Count ? 1u : 3u); // sh_type: SHT_PROGBITS = 1, SHT_STRTAB = 3
            BinaryPrimitives.WriteUInt64LittleEndian(e[24..], (ulong)offsets[i]);     // sh_offset
            BinaryPrimitives.WriteUInt64LittleEndian(e[32..], (ulong)(i < present.Count ? present[i].Data.Length : shstrBytes.Length)); // sh_size
            BinaryPrimitives.WriteUInt64LittleEndian(e[48..], 1);                     // sh_addralign
        }
        body.Write(sh);
        var elf = body.ToArray();
        var h = elf.AsSpan();
        "\x7f"u8.CopyTo(h); "ELF"u8.CopyTo(h[1..]);
        h[4] = 2; // EI_CLASS: ELFCLASS64
        h[5] = 1; // EI_DATA: ELFDATA2LSB
        h[6] = 1; // EI_VERSION: EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], 1);   // e_type: ET_REL
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], 62);  // e_machine: EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);   // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(h[40..], (ulong)shoff); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], 64);  // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(h[58..], 64);  // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(h[60..], (ushort)shnum); // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(h[62..], (ushort)(shnum - 1)); // e_shstrndx
        return elf;
    }
}
