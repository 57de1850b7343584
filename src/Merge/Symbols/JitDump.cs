using System.Buffers.Binary;
using System.Text;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols;

/// <summary>One JIT-compiled code region announced by a <c>JIT_CODE_LOAD</c> record (or placed by a <c>JIT_CODE_MOVE</c>).</summary>
/// <param name="CodeAddress">Absolute address of the code in the process.</param>
/// <param name="Size">Code size in bytes.</param>
/// <param name="Name">Function name as the JIT wrote it.</param>
/// <param name="CodeIndex">The JIT's unique index of this code (<c>code_index</c>).</param>
/// <param name="Timestamp">Record time (the JIT's clock: CLOCK_MONOTONIC, or TSC when the header's ARCH_TIMESTAMP flag is set).</param>
/// <param name="Sequence">Position among the file's load and move records (ties of equal timestamps go to the later record).</param>
public readonly record struct JitCode(ulong CodeAddress, ulong Size, string Name, ulong CodeIndex, ulong Timestamp, int Sequence);

/// <summary>One source position of a <c>JIT_CODE_DEBUG_INFO</c> record: code at <see cref="Address"/> and after is from <see cref="File"/>:<see cref="Line"/>.</summary>
public readonly record struct JitDebugEntry(ulong Address, int Line, int Discriminator, string File);

/// <summary>
/// A jitdump file (<c>jit-PID.dump</c>) as specified by tools/perf/Documentation/jitdump-specification.txt (perf 6.1):
/// a header, then records <c>{u32 id, u32 total_size, u64 timestamp}</c> + payload. Reads CODE_LOAD, CODE_MOVE,
/// CODE_DEBUG_INFO, CODE_CLOSE and CODE_UNWINDING_INFO in either byte order, without perf inject. Every record is
/// bounds-checked against its own size and the file; reading stops at the first damaged record (what came before is
/// kept and <see cref="Damage"/> says where), as perf's jit_get_next_entry stops.
/// </summary>
public sealed class JitDump
{
    // jitdump-specification.txt: magic 'JiTD' = 0x4A695444, written in the JIT's native byte order.
    internal const uint Magic = 0x4A695444;
    // Header: u32 magic, version, total_size, elf_mach, pad1, pid; u64 timestamp, flags = 40 bytes.
    internal const int HeaderSize = 40;
    // Record prefix: u32 id, u32 total_size, u64 timestamp.
    internal const int PrefixSize = 16;
    // Record ids (jitdump.h enum jit_record_type).
    internal const uint CodeLoad = 0, CodeMove = 1, CodeDebugInfo = 2, CodeClose = 3, CodeUnwindingInfo = 4;
    // CODE_LOAD payload before the name: u32 pid, u32 tid, u64 vma, u64 code_addr, u64 code_size, u64 code_index.
    internal const int LoadFixed = 40;
    // CODE_MOVE payload: u32 pid, u32 tid, u64 vma, u64 old_code_addr, u64 new_code_addr, u64 code_size, u64 code_index.
    internal const int MoveFixed = 48;
    // CODE_DEBUG_INFO payload: u64 code_addr, u64 nr_entry, then entries {u64 code_addr, u32 line, u32 discrim, char name[]}.
    internal const int DebugFixed = 16, DebugEntryFixed = 16;
    // CODE_UNWINDING_INFO payload: u64 unwinding_size, u64 eh_frame_hdr_size, u64 mapped_size, u8 data[unwinding_size].
    internal const int UnwindFixed = 24;
    /// <summary>Header flag JITDUMP_FLAGS_ARCH_TIMESTAMP (bit 0): record times are the CPU's timestamp counter.</summary>
    public const ulong FlagArchTimestamp = 1;

    private readonly List<JitCode> _code = [];
    private readonly Dictionary<ulong, JitDebugEntry[]> _debug = [];

    /// <summary>File the dump was read from.</summary>
    public string FileName { get; }
    /// <summary>True when the file was written big-endian (its magic read byte-swapped here).</summary>
    public bool BigEndian { get; private set; }
    /// <summary>Header version (1 in every known writer).</summary>
    public uint Version { get; private set; }
    /// <summary>ELF e_machine of the JIT's target.</summary>
    public uint ElfMachine { get; private set; }
    /// <summary>Process id in the header.</summary>
    public int Pid { get; private set; }
    /// <summary>Header timestamp.</summary>
    public ulong Timestamp { get; private set; }
    /// <summary>Header flags (<see cref="FlagArchTimestamp"/>).</summary>
    public ulong Flags { get; private set; }
    /// <summary>Code regions: each CODE_LOAD, and each region a CODE_MOVE placed, in file order.</summary>
    public IReadOnlyList<JitCode> Code => _code;
    /// <summary>Source positions by the code address a CODE_DEBUG_INFO record gave (the code it describes).</summary>
    public IReadOnlyDictionary<ulong, JitDebugEntry[]> DebugInfo => _debug;
    /// <summary>Number of CODE_LOAD records.</summary>
    public int Loads { get; private set; }
    /// <summary>Number of CODE_MOVE records.</summary>
    public int Moves { get; private set; }
    /// <summary>CODE_MOVE records whose code_index no earlier CODE_LOAD had (nothing to move).</summary>
    public int UnmatchedMoves { get; private set; }
    /// <summary>Number of CODE_UNWINDING_INFO records (validated and skipped: JIT frames are unwound by frame pointers here).</summary>
    public int UnwindingInfos { get; private set; }
    /// <summary>True when a CODE_CLOSE record was read (records after it are not read, as perf stops there).</summary>
    public bool Closed { get; private set; }
    /// <summary>Records with an id this reader does not know (skipped by their size, as perf does).</summary>
    public int UnknownRecords { get; private set; }
    /// <summary>The damage that stopped reading early (a truncated or inconsistent record), or null when the whole file was read.</summary>
    public CaptureFormatException? Damage { get; private set; }

    private JitDump(string fileName) => FileName = fileName;

    /// <summary>Reads a jitdump file.</summary>
    public static JitDump Load(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Reads a jitdump from bytes; a bad header throws <see cref="CaptureFormatException"/>, a bad record ends reading (see <see cref="Damage"/>).</summary>
    public static JitDump Read(ReadOnlySpan<byte> data, string fileName)
    {
        var d = new JitDump(fileName);
        if (data.Length < HeaderSize) throw new CaptureFormatException(fileName, 0, "a jitdump header (40 bytes)");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic == Magic) d.BigEndian = false;
        else if (magic == BinaryPrimitives.ReverseEndianness(Magic)) d.BigEndian = true;
        else throw new CaptureFormatException(fileName, 0, "jitdump magic 'JiTD' (0x4A695444) in either byte order");
        var r = new Reader(data, d.BigEndian);
        d.Version = r.U32(4);
        var headerSize = r.U32(8);
        d.ElfMachine = r.U32(12);
        d.Pid = (int)r.U32(20);
        d.Timestamp = r.U64(24);
        d.Flags = r.U64(32);
        // total_size of the header: at least the 40 bytes above; newer writers may append fields, which are skipped.
        if (headerSize < HeaderSize || headerSize > (uint)data.Length)
            throw new CaptureFormatException(fileName, 8, FormattableString.Invariant($"a jitdump header size between 40 and the file size {data.Length}, not {headerSize}"));
        var seq = 0;
        var byIndex = new Dictionary<ulong, int>();
        long off = headerSize;
        while (off < data.Length)
        {
            if (data.Length - off < PrefixSize) { d.Stop(off, "a 16-byte jitdump record prefix"); break; }
            var o = (int)off;
            var id = r.U32(o);
            var size = r.U32(o + 4);
            var ts = r.U64(o + 8);
            if (size < PrefixSize || size > data.Length - off)
            {
                d.Stop(off, FormattableString.Invariant($"a record size between 16 and the {data.Length - off} bytes left, not {size}"));
                break;
            }
            var body = data.Slice(o + PrefixSize, (int)size - PrefixSize);
            var bodyAt = off + PrefixSize;
            var br = new Reader(body, d.BigEndian);
            switch (id)
            {
                case CodeLoad:
                {
                    if (body.Length < LoadFixed + 1) { d.Stop(bodyAt, "a CODE_LOAD payload (40 bytes and a name)"); return d; }
                    var addr = br.U64(16);
                    var codeSize = br.U64(24);
                    var index = br.U64(32);
                    var rest = body[LoadFixed..];
                    var nul = rest.IndexOf((byte)0);
                    if (nul < 0) { d.Stop(bodyAt + LoadFixed, "a NUL-terminated CODE_LOAD name"); return d; }
                    // The code bytes follow the name; the record must hold them (perf copies code_size bytes from it).
                    if ((ulong)(rest.Length - nul - 1) < codeSize) { d.Stop(off + 4, FormattableString.Invariant($"a CODE_LOAD record holding its {codeSize} code bytes")); return d; }
                    var name = Encoding.UTF8.GetString(rest[..nul]);
                    byIndex[index] = d._code.Count;
                    d._code.Add(new JitCode(addr, codeSize, name, index, ts, seq++));
                    d.Loads++;
                    break;
                }
                case CodeMove:
                {
                    if (body.Length < MoveFixed) { d.Stop(bodyAt, "a CODE_MOVE payload (48 bytes)"); return d; }
                    var newAddr = br.U64(24);
                    var codeSize = br.U64(32);
                    var index = br.U64(40);
                    d.Moves++;
                    if (byIndex.TryGetValue(index, out var at))
                    {
                        var old = d._code[at];
                        byIndex[index] = d._code.Count;
                        d._code.Add(new JitCode(newAddr, codeSize, old.Name, index, ts, seq++));
                    }
                    else d.UnmatchedMoves++;
                    break;
                }
                case CodeDebugInfo:
                {
                    if (body.Length < DebugFixed) { d.Stop(bodyAt, "a CODE_DEBUG_INFO payload (16 bytes)"); return d; }
                    var codeAddr = br.U64(0);
                    var count = br.U64(8);
                    // Each entry takes at least 17 bytes (16 fixed + the name's NUL): the count cannot exceed what the record holds.
                    if (count > (ulong)(body.Length - DebugFixed) / (DebugEntryFixed + 1)) { d.Stop(bodyAt + 8, FormattableString.Invariant($"at most {(body.Length - DebugFixed) / (DebugEntryFixed + 1)} debug entries in this record, not {count}")); return d; }
                    var entries = new JitDebugEntry[(int)count];
                    var p = DebugFixed;
                    var previous = "";
                    for (var i = 0; i < entries.Length; i++)
                    {
                        if (body.Length - p < DebugEntryFixed + 1) { d.Stop(bodyAt + p, "a debug entry"); return d; }
                        var ea = br.U64(p);
                        var line = (int)br.U32(p + 8);
                        var disc = (int)br.U32(p + 12);
                        var s = body[(p + DebugEntryFixed)..];
                        var nul = s.IndexOf((byte)0);
                        if (nul < 0) { d.Stop(bodyAt + p + DebugEntryFixed, "a NUL-terminated debug entry file name"); return d; }
                        // jitdump-specification.txt: a name of 0xff 0x00 repeats the previous entry's file name.
                        var file = nul == 1 && s[0] == 0xff ? previous : Encoding.UTF8.GetString(s[..nul]);
                        entries[i] = new JitDebugEntry(ea, line, disc, file);
                        previous = file;
                        p += DebugEntryFixed + nul + 1;
                    }
                    d._debug[codeAddr] = entries;
                    break;
                }
                case CodeUnwindingInfo:
                {
                    if (body.Length < UnwindFixed) { d.Stop(bodyAt, "a CODE_UNWINDING_INFO payload (24 bytes)"); return d; }
                    var unwindSize = br.U64(0);
                    var hdrSize = br.U64(8);
                    if (unwindSize > (ulong)(body.Length - UnwindFixed) || hdrSize > unwindSize)
                    {
                        d.Stop(bodyAt, FormattableString.Invariant($"unwinding data of at most {body.Length - UnwindFixed} bytes with its .eh_frame_hdr inside, not {unwindSize} (hdr {hdrSize})"));
                        return d;
                    }
                    d.UnwindingInfos++;
                    break;
                }
                case CodeClose:
                    d.Closed = true;
                    return d;
                default:
                    d.UnknownRecords++;
                    break;
            }
            off += size;
        }
        return d;
    }

    private void Stop(long offset, string expected) => Damage = new CaptureFormatException(FileName, offset, expected);

    /// <summary>
    /// The code regions as one address lookup: where regions overlap, the one loaded (or moved there) last wins, as perf
    /// inject's per-load mmaps replace older ones (maps__fixup_overlappings).
    /// </summary>
    public JitCodeMap ToCodeMap() => new(_code, _debug);

    private readonly ref struct Reader(ReadOnlySpan<byte> span, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _s = span;
        public uint U32(int at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_s[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(_s[at..]);
        public ulong U64(int at) => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(_s[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(_s[at..]);
    }
}

/// <summary>Lookup of JIT code by absolute address: disjoint segments, each owned by the latest code region covering it.</summary>
public sealed class JitCodeMap
{
    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly int[] _owner;
    private readonly JitCode[] _code;
    private readonly IReadOnlyDictionary<ulong, JitDebugEntry[]> _debug;

    internal JitCodeMap(IReadOnlyList<JitCode> code, IReadOnlyDictionary<ulong, JitDebugEntry[]> debug)
    {
        _debug = debug;
        _code = [.. code];
        // Sweep over region boundaries; at each elementary interval the covering region with the highest
        // (timestamp, sequence) owns it. Regions enter a max-heap at their start and leave lazily once past their end.
        var events = new List<(ulong At, int Region)>(_code.Length);
        for (var i = 0; i < _code.Length; i++)
            if (_code[i].Size > 0 && _code[i].CodeAddress <= ulong.MaxValue - _code[i].Size) events.Add((_code[i].CodeAddress, i));
        events.Sort((a, b) => a.At.CompareTo(b.At));
        var bounds = new List<ulong>(events.Count * 2);
        foreach (var (at, r) in events) { bounds.Add(at); bounds.Add(at + _code[r].Size); }
        bounds.Sort();
        var heap = new PriorityQueue<int, (ulong, int)>(Comparer<(ulong, int)>.Create((a, b) => b.CompareTo(a)));
        var starts = new List<ulong>();
        var ends = new List<ulong>();
        var owner = new List<int>();
        var e = 0;
        for (var b = 0; b < bounds.Count; b++)
        {
            var lo = bounds[b];
            if (b + 1 < bounds.Count && bounds[b + 1] == lo) continue;
            while (e < events.Count && events[e].At <= lo) { var r = events[e++].Region; heap.Enqueue(r, (_code[r].Timestamp, _code[r].Sequence)); }
            while (heap.TryPeek(out var top, out _) && _code[top].CodeAddress + _code[top].Size <= lo) heap.Dequeue();
            if (b + 1 >= bounds.Count || !heap.TryPeek(out var win, out _)) continue;
            var hi = bounds[b + 1];
            if (owner.Count > 0 && owner[^1] == win && ends[^1] == lo) { ends[^1] = hi; continue; }
            starts.Add(lo); ends.Add(hi); owner.Add(win);
        }
        _starts = [.. starts];
        _ends = [.. ends];
        _owner = [.. owner];
    }

    /// <summary>Number of disjoint segments.</summary>
    public int Segments => _starts.Length;

    /// <summary>The code region containing <paramref name="address"/> and the offset from its start, or null.</summary>
    public SymbolHit? Find(ulong address)
    {
        var i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1;
        if (i < 0 || address >= _ends[i]) return null;
        var c = _code[_owner[i]];
        return new SymbolHit(new SymbolEntry(c.CodeAddress, c.CodeAddress + c.Size, c.Name, ElfConstants.StbGlobal, ElfConstants.SttFunc), address - c.CodeAddress);
    }

    /// <summary>The source position of <paramref name="address"/> in the code starting at <paramref name="codeAddress"/> (the last debug entry at or before it), or null.</summary>
    public JitDebugEntry? SourceOf(ulong codeAddress, ulong address)
    {
        if (!_debug.TryGetValue(codeAddress, out var entries)) return null;
        JitDebugEntry? best = null;
        foreach (var en in entries)
            if (en.Address <= address && (best is null || en.Address >= best.Value.Address)) best = en;
        return best;
    }
}
