using System.Buffers.Binary;
using System.Text;
using Stackweave.Formats.IO;
using static Stackweave.Merge.Symbols.ElfConstants;

namespace Stackweave.Merge.Symbols.Go;

/// <summary>How a binary's pclntab was found.</summary>
public enum GoPclnRoute
{
    /// <summary>The <c>.gopclntab</c> section.</summary>
    Section,
    /// <summary>A scan of the loadable segments for the pclntab header (stripped section headers).</summary>
    HeaderScan,
}

/// <summary>
/// A Go binary's symbolization data: its pclntab and the PT_LOAD segments that turn file offsets into the virtual
/// addresses the table uses. Built from an ELF file by <see cref="Load"/>, which keeps only the bytes it needs
/// (the read-only segment holding the table and go:func.*), so the file can be closed.
/// </summary>
public sealed class GoBinary
{
    private const ulong PfX = 1, PfW = 2; // elf.h PF_X, PF_W
    // debug/buildinfo: the 14-byte magic "\xff Go buildinf:" opens .go.buildinfo (Go 1.13+), 16-byte aligned.
    private static ReadOnlySpan<byte> BuildInfoMagic => [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];
    // Largest segment read for the header scan or the moduledata search (bigger ones are skipped).
    private const ulong MaxSegment = 1UL << 30;
    // Largest hole between the table's segment and go:func.*'s segment bridged by one image (PIE: page alignment only).
    private const ulong MaxImageGap = 1UL << 24;
    // Bytes of each writable segment searched for the build info when section headers are gone.
    private const ulong MaxBuildInfoSearch = 1UL << 24;

    private readonly ElfSegment[] _segments;

    /// <summary>The table.</summary>
    public GoPclnTab Table { get; }
    /// <summary>How it was found.</summary>
    public GoPclnRoute Route { get; }
    /// <summary>The Go version recorded in the binary's build info (e.g. <c>go1.15</c>), when found.</summary>
    public string? GoVersion { get; }

    private GoBinary(GoPclnTab table, GoPclnRoute route, string? version, ElfSegment[] segments)
    {
        Table = table;
        Route = route;
        GoVersion = version;
        _segments = segments;
    }

    /// <summary>The virtual address of a file offset (through the PT_LOAD segment containing it), or null.</summary>
    public ulong? FileOffsetToAddress(ulong fileOffset)
    {
        foreach (var p in _segments)
            if (fileOffset >= p.Offset && fileOffset - p.Offset < p.FileSize) return fileOffset - p.Offset + p.VirtualAddress;
        return null;
    }

    /// <summary>The file offset of a virtual address, or null.</summary>
    public ulong? AddressToFileOffset(ulong address)
    {
        foreach (var p in _segments)
            if (address >= p.VirtualAddress && address - p.VirtualAddress < p.FileSize) return address - p.VirtualAddress + p.Offset;
        return null;
    }

    /// <summary>
    /// Finds and opens the pclntab of <paramref name="elf"/>: its <c>.gopclntab</c> section (<c>.data.rel.ro.gopclntab</c> in
    /// PIE builds, where cmd/link puts it among relocated data), else, in a file without section headers, the first valid
    /// header found by scanning the PT_LOAD segments. Null when the file has none (not a Go binary);
    /// <see cref="CaptureFormatException"/> when a <c>.gopclntab</c> section is there but damaged.
    /// </summary>
    public static GoBinary? Load(ElfFile elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        var loads = new List<ElfSegment>();
        foreach (var p in elf.Segments) if (p.Type == PtLoad && p.FileSize > 0) loads.Add(p);
        var segs = loads.ToArray();
        // A PIE's pointers (moduledata, pcHeader.textStart, build info) are zero in the file until its relative
        // relocations are applied; the link-time base is 0, so each pointer is the relocation's addend.
        var relocs = RelativeRelocations.Read(elf, segs);
        // Go's internal linker always writes a pclntab section; an external link (cgo, -buildmode=pie with
        // -linkmode=external) merges it into .rodata or .data.rel.ro. A file with section headers is scanned only when
        // it carries a Go mark (the Go build id note or .go.buildinfo): libraries with only .dynsym stay unscanned.
        var sec = elf.FindSection(".gopclntab") ?? elf.FindSection(".data.rel.ro.gopclntab");
        if (sec is null && elf.Sections.Count > 0 && elf.GoBuildId is null && elf.FindSection(".go.buildinfo") is null) return null;
        var version = FindGoVersion(elf, segs, relocs);
        var minor = MinorOf(version);

        if (sec is { } section)
        {
            if (section.Type == ShtNobits || section.Size < 16) return null;
            // Hold the whole read-only segment around the section: the inline trees (go:func.*) live there too.
            var seg = Containing(segs, section.Offset, section.Size);
            var (img, imgAddr, imgOff) = seg is { } s && s.FileSize <= MaxSegment
                ? (elf.ReadFileRange(s.Offset, s.FileSize), s.VirtualAddress, (long)s.Offset)
                : (elf.ReadSection(section), section.Address, (long)section.Offset);
            relocs?.Apply(img, imgAddr);
            var tableOffset = (int)((ulong)section.Offset - (ulong)imgOff);
            var text = elf.FindSection(".text")?.Address;
            var tab = Open(elf, segs, relocs, img, imgAddr, imgOff, tableOffset, (int)Math.Min(section.Size, (ulong)(img.Length - tableOffset)), text, minor);
            return new GoBinary(tab, GoPclnRoute.Section, version, segs);
        }
        // No table section: scan read-only segments first, then executable, then writable ones.
        foreach (var seg in segs.OrderBy(p => (p.Flags & PfW) != 0 ? 2 : (p.Flags & PfX) != 0 ? 1 : 0))
        {
            if (seg.FileSize > MaxSegment || seg.Offset > (ulong)elf.Length || seg.FileSize > (ulong)elf.Length - seg.Offset) continue;
            var img = elf.ReadFileRange(seg.Offset, seg.FileSize);
            relocs?.Apply(img, seg.VirtualAddress);
            foreach (var at in Candidates(img))
            {
                GoPclnTab tab;
                try { tab = Open(elf, segs, relocs, img, seg.VirtualAddress, (long)seg.Offset, at, img.Length - at, null, minor); }
                catch (CaptureFormatException) { continue; }
                if (Plausible(tab, segs)) return new GoBinary(tab, GoPclnRoute.HeaderScan, version, segs);
            }
        }
        return null;
    }

    private static GoPclnTab Open(ElfFile elf, ElfSegment[] segs, RelativeRelocations? relocs, byte[] img, ulong imgAddr, long imgOff, int tableOffset, int length, ulong? text, int? minor)
    {
        var probe = new GoPclnTab(new GoPclnSource(img, imgAddr, tableOffset, length, text, null, minor), elf.Path, imgOff);
        if (probe.Layout < GoPclnLayout.Go118) return probe;
        // 1.18+: funcdata offsets are relative to go:func.*, recorded only in runtime.moduledata.
        var goFunc = FindGoFunc(elf, segs, relocs, probe, img, imgAddr, tableOffset);
        if (goFunc is not { } gf) return probe;
        if (gf - imgAddr >= (ulong)img.Length || gf < imgAddr)
        {
            // In a PIE the pclntab sits in .data.rel.ro (a writable segment) and go:func.* in .rodata: hold both segments
            // in one image, at their addresses, so the inline trees resolve from the table's image.
            var other = segs.FirstOrDefault(p => gf >= p.VirtualAddress && gf - p.VirtualAddress < p.FileSize);
            if (other.FileSize == 0) return probe;
            var lo = Math.Min(imgAddr, other.VirtualAddress);
            var hi = Math.Max(imgAddr + (ulong)img.Length, other.VirtualAddress + other.FileSize);
            if (hi - lo > MaxSegment || hi - lo > (ulong)img.Length + other.FileSize + MaxImageGap) return probe;
            var joined = new byte[hi - lo];
            var part = elf.ReadFileRange(other.Offset, other.FileSize);
            relocs?.Apply(part, other.VirtualAddress);
            part.CopyTo(joined, (long)(other.VirtualAddress - lo));
            img.CopyTo(joined, (long)(imgAddr - lo));
            tableOffset += (int)(imgAddr - lo);
            imgOff -= (long)(imgAddr - lo); // file offset of joined[0] as seen from the table's segment (for error positions)
            img = joined;
            imgAddr = lo;
        }
        return new GoPclnTab(new GoPclnSource(img, imgAddr, tableOffset, length, text, gf, minor), elf.Path, imgOff);
    }

    /// <summary>Offsets in <paramref name="img"/> where a pclntab header could start: a known magic (either order), two zero pads, quantum 1/2/4, pointer size 4/8.</summary>
    internal static IEnumerable<int> Candidates(byte[] img)
    {
        for (var i = 0; i + 16 <= img.Length; i += 4)
        {
            // All four magics are 0xfffffffX: three 0xff bytes then the variable byte (LE), or the reverse (BE).
            var b0 = img[i];
            if (b0 != 0xff && (b0 & 0xf0) != 0xf0) continue;
            if (GoPclnTab.LayoutOfMagic(img.AsSpan(i, 4)) is null) continue;
            if (img[i + 4] != 0 || img[i + 5] != 0) continue;
            if (img[i + 6] is not (1 or 2 or 4) || img[i + 7] is not (4 or 8)) continue;
            yield return i;
        }
    }

    /// <summary>A scanned header is taken only when its functions lie in an executable segment and the first one has a name.</summary>
    private static bool Plausible(GoPclnTab tab, ElfSegment[] segs)
    {
        var inText = false;
        foreach (var p in segs)
            if ((p.Flags & PfX) != 0 && tab.MinPc >= p.VirtualAddress && tab.MaxPc <= p.VirtualAddress + p.MemorySize) inText = true;
        if (!inText) return false;
        var name = tab.FunctionName(0);
        return !string.IsNullOrEmpty(name) && tab.FunctionName(tab.FunctionCount - 1) is { Length: > 0 };
    }

    /// <summary>
    /// Address of go:func.* from runtime.moduledata (runtime/symtab.go): found in a writable segment as the pointer to
    /// the pclntab followed by the funcnametab slice; gofunc is word 38 (Go 1.18–1.19) or 40 (1.20+, covctrs added).
    /// </summary>
    private static ulong? FindGoFunc(ElfFile elf, ElfSegment[] segs, RelativeRelocations? relocs, GoPclnTab tab, byte[] img, ulong imgAddr, int tableOffset)
    {
        var ptr = tab.PointerSize;
        var big = tab.IsBigEndian;
        var tableAddr = imgAddr + (ulong)tableOffset;
        // pcHeader.funcnameOffset is header word 3 (1.18+).
        var funcnameOff = ReadPtr(img.AsSpan(tableOffset + 8 + 3 * ptr), ptr, big);
        var gofuncWord = tab.Layout == GoPclnLayout.Go118 ? 38 : 40;
        var needed = (gofuncWord + 1) * ptr;
        // moduledata is in .noptrdata up to Go 1.25 and in its own .go.module section later: search the writable segments.
        foreach (var seg in segs)
        {
            if ((seg.Flags & PfW) == 0) continue;
            var (off, size) = (seg.Offset, seg.FileSize);
            if (size > MaxSegment || off > (ulong)elf.Length || size > (ulong)elf.Length - off) continue;
            var buf = elf.ReadFileRange(off, size);
            relocs?.Apply(buf, seg.VirtualAddress);
            for (var i = 0; i + needed <= buf.Length; i += ptr)
            {
                var s = buf.AsSpan(i);
                if (ReadPtr(s, ptr, big) != tableAddr) continue;
                if (ReadPtr(s[ptr..], ptr, big) != tableAddr + funcnameOff) continue;
                var gofunc = ReadPtr(s[(gofuncWord * ptr)..], ptr, big);
                if (gofunc >= imgAddr && gofunc - imgAddr < (ulong)img.Length) return gofunc;
                // PIE: go:func.* in another (read-only) segment than the table.
                foreach (var p in segs)
                    if (gofunc >= p.VirtualAddress && gofunc - p.VirtualAddress < p.FileSize) return gofunc;
            }
        }
        return null;
    }

    /// <summary>The Go version from the build info (<c>.go.buildinfo</c>, Go 1.13+), or null.</summary>
    private static string? FindGoVersion(ElfFile elf, ElfSegment[] segs, RelativeRelocations? relocs)
    {
        try
        {
            byte[] buf;
            ulong bufAddr;
            if (elf.FindSection(".go.buildinfo") is { } s && s.Type != ShtNobits && s.Size >= 32 && s.Size <= 1 << 20)
            {
                buf = elf.ReadSection(s);
                bufAddr = s.Address;
                relocs?.Apply(buf, bufAddr);
            }
            else
            {
                // Stripped section headers: the build info opens a writable segment (cmd/link places it first in the
                // data segment; a PIE has .data.rel.ro in a segment of its own before that one).
                buf = [];
                bufAddr = 0;
                // External linking puts it after .data.rel.ro and the GOT: the whole segment start is searched.
                foreach (var w in segs)
                {
                    if ((w.Flags & PfW) == 0 || w.FileSize < 32) continue;
                    var b = elf.ReadFileRange(w.Offset, Math.Min(w.FileSize, MaxBuildInfoSearch));
                    var found = BuildInfoAt(b);
                    if (found < 0) continue;
                    var len = Math.Min(b.Length - found, 4096);
                    (buf, bufAddr) = (b.AsSpan(found, len).ToArray(), w.VirtualAddress + (ulong)found);
                    relocs?.Apply(buf, bufAddr);
                    break;
                }
            }
            var at = BuildInfoAt(buf);
            if (at < 0) return null;
            int ptr = buf[at + 14], flags = buf[at + 15];
            // debug/buildinfo: flags bit 1 = strings inline after the 32-byte header (1.18+), bit 0 = big-endian.
            if ((flags & 2) != 0)
            {
                var p = at + 32;
                var len = 0UL;
                for (var shift = 0; shift < 35 && p < buf.Length; shift += 7)
                {
                    var b = buf[p++];
                    len |= (ulong)(b & 0x7f) << shift;
                    if ((b & 0x80) == 0) break;
                }
                if (len == 0 || len > 64 || (ulong)p + len > (ulong)buf.Length) return null;
                return Encoding.UTF8.GetString(buf, p, (int)len);
            }
            if (ptr is not (4 or 8)) return null;
            var big = (flags & 1) != 0;
            // Pointer form: at 16, a pointer to the version's Go string header {data pointer, length}.
            var hdrAddr = ReadPtr(buf.AsSpan(at + 16), ptr, big);
            var hdr = ReadAt(elf, segs, relocs, hdrAddr, 2 * ptr);
            if (hdr is null) return null;
            var dataAddr = ReadPtr(hdr, ptr, big);
            var n = ReadPtr(hdr.AsSpan(ptr), ptr, big);
            if (n == 0 || n > 64) return null;
            var str = ReadAt(elf, segs, null, dataAddr, (int)n);
            return str is null ? null : Encoding.UTF8.GetString(str);
        }
        catch (CaptureFormatException) { return null; }
    }

    /// <summary>Offset of the build info magic (16-byte aligned) in <paramref name="buf"/>, or -1.</summary>
    private static int BuildInfoAt(byte[] buf)
    {
        for (var i = 0; i + 32 <= buf.Length; i += 16)
            if (buf.AsSpan(i, 14).SequenceEqual(BuildInfoMagic)) return i;
        return -1;
    }

    private static byte[]? ReadAt(ElfFile elf, ElfSegment[] segs, RelativeRelocations? relocs, ulong addr, int size)
    {
        foreach (var p in segs)
            if (addr >= p.VirtualAddress && addr - p.VirtualAddress <= p.FileSize && (ulong)size <= p.FileSize - (addr - p.VirtualAddress))
            {
                var b = elf.ReadFileRange(p.Offset + (addr - p.VirtualAddress), (ulong)size);
                relocs?.Apply(b, addr);
                return b;
            }
        return null;
    }

    /// <summary>The minor version of a "go1.N[.P]" string, or null.</summary>
    internal static int? MinorOf(string? version)
    {
        if (version is null || !version.StartsWith("go1.", StringComparison.Ordinal)) return null;
        var rest = version.AsSpan(4);
        var end = 0;
        while (end < rest.Length && char.IsAsciiDigit(rest[end])) end++;
        return end > 0 && int.TryParse(rest[..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : null;
    }

    private static ElfSegment? Containing(ElfSegment[] segs, ulong offset, ulong size)
    {
        foreach (var p in segs)
            if (offset >= p.Offset && size <= p.FileSize && offset - p.Offset <= p.FileSize - size) return p;
        return null;
    }

    private static ulong ReadPtr(ReadOnlySpan<byte> b, int ptr, bool big) => ptr == 4
        ? big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b)
        : big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
}
