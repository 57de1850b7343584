using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Stackweave.Formats.IO;

namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>
/// perf's TRACING_DATA blob: the HEADER_TRACING_DATA feature section (file mode) or the payload after a
/// PERF_RECORD_HEADER_TRACING_DATA record (pipe mode). Layout as written by perf's trace-event-info.c and read
/// by trace-event-read.c (perf 6.1):
/// <code>
/// "\x17\x08\x44" "tracing"  version "0.6\0"  u8 big_endian  u8 long_size  u32 page_size
/// "header_page\0" u64 size, text       "header_event\0" u64 size, text
/// u32 count, { u64 size, ftrace format text }          u32 systems, { "system\0" u32 count, { u64 size, format text } }
/// u32 size, kallsyms text (perf 6.1 writes 0)          u32 size, printk formats text
/// u64 size, saved cmdlines text (version ≥ 0.6)
/// </code>
/// Integers after the endianness byte are in the recording machine's byte order.
/// </summary>
public sealed class TracingData
{
    private readonly TraceContext _ctx;
    private readonly List<TracepointFormat> _formats = [];
    private readonly Dictionary<int, TracepointFormat> _byId = [];
    private readonly Dictionary<int, string> _cmdlines = [];

    private TracingData(TraceContext ctx) => _ctx = ctx;

    /// <summary>Version string (e.g. "0.6").</summary>
    public string Version { get; private set; } = "";
    /// <summary>The recording machine was big-endian.</summary>
    public bool IsBigEndian => _ctx.BigEndian;
    /// <summary>sizeof(long) on the recording machine (taken from header_page's commit field when present, as perf does).</summary>
    public int LongSize => _ctx.LongSize;
    /// <summary>Page size of the recording machine.</summary>
    public int PageSize { get; private set; }
    /// <summary>tracefs events/header_page text.</summary>
    public string HeaderPage { get; private set; } = "";
    /// <summary>tracefs events/header_event text.</summary>
    public string HeaderEvent { get; private set; } = "";
    /// <summary>All formats: ftrace's own first, then each system's events, in blob order.</summary>
    public IReadOnlyList<TracepointFormat> Formats => _formats;
    /// <summary>Kernel symbols when the blob carries /proc/kallsyms (perf before 5.x did; perf 6.1 writes none).</summary>
    public KernelSymbols? Kallsyms => _ctx.Kallsyms;
    /// <summary>trace_printk format strings by address (quotes and a trailing \n removed, as libtraceevent stores them).</summary>
    public IReadOnlyDictionary<ulong, string> PrintkFormats => _ctx.Printk;
    /// <summary>pid → comm from the saved_cmdlines section.</summary>
    public IReadOnlyDictionary<int, string> SavedCmdlines => _cmdlines;

    /// <summary>The format whose ID is <paramref name="id"/> (a tracepoint attr's config), or null.</summary>
    public TracepointFormat? FindById(long id) => id is >= int.MinValue and <= int.MaxValue ? _byId.GetValueOrDefault((int)id) : null;

    /// <summary>The format named system:name, or null.</summary>
    public TracepointFormat? Find(string system, string name)
    {
        foreach (var f in _formats)
            if (f.System == system && f.Name == name) return f;
        return null;
    }

    // "\x17\x08\x44" then "tracing": perf trace-event-read.c trace_report()
    private static ReadOnlySpan<byte> Magic => [0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g'];

    /// <summary>Parses the blob; throws CaptureFormatException (offset = baseOffset + position) when it is damaged.</summary>
    public static TracingData Parse(ReadOnlySpan<byte> data, string file, long baseOffset)
    {
        var r = new Reader(data, file, baseOffset);
        if (data.Length < Magic.Length || !data[..Magic.Length].SequenceEqual(Magic))
            throw new CaptureFormatException(file, baseOffset, "TRACING_DATA magic \\x17\\x08\\x44tracing");
        r.Pos = Magic.Length;
        var ctx = new TraceContext();
        var td = new TracingData(ctx);
        td.Version = Latin1(r.CString("the version string"));
        byte endian = r.Byte("the endianness byte");
        if (endian > 1) r.Fail(-1, "endianness byte 0 or 1");
        ctx.BigEndian = endian == 1;
        r.BigEndian = ctx.BigEndian;
        int longSize = r.Byte("the long size byte");
        if (longSize is not (4 or 8)) r.Fail(-1, "long size 4 or 8");
        ctx.LongSize = longSize;
        uint pageSize = r.U32("the page size");
        if (pageSize == 0 || pageSize > (1u << 30)) r.Fail(-4, "a non-zero page size");
        td.PageSize = (int)pageSize;

        r.Literal("header_page\0"u8, "\"header_page\"");
        td.HeaderPage = Latin1(r.Bytes(r.U64("the header_page size"), "header_page text"));
        // libtraceevent tep_parse_header_page: the size of the page header's "commit" field is the kernel's long.
        if (CommitFieldSize(td.HeaderPage) is int commit and (4 or 8)) ctx.LongSize = commit;
        r.Literal("header_event\0"u8, "\"header_event\"");
        td.HeaderEvent = Latin1(r.Bytes(r.U64("the header_event size"), "header_event text"));

        uint ftraceCount = r.U32("the ftrace format count");
        for (uint i = 0; i < ftraceCount; i++)
        {
            long at = r.Pos;
            var text = r.Bytes(r.U64("an ftrace format size"), "ftrace format text");
            td.Add(TracepointFormat.Parse(ctx, "ftrace", text), r, at);
        }
        uint systems = r.U32("the event system count");
        for (uint s = 0; s < systems; s++)
        {
            string sys = Latin1(r.CString("an event system name"));
            uint count = r.U32("the event format count");
            for (uint i = 0; i < count; i++)
            {
                long at = r.Pos;
                var text = r.Bytes(r.U64("an event format size"), "event format text");
                td.Add(TracepointFormat.Parse(ctx, sys, text), r, at);
            }
        }
        uint kallsymsSize = r.U32("the kallsyms size");
        if (kallsymsSize > 0) ctx.Kallsyms = KernelSymbols.Parse(r.Bytes(kallsymsSize, "kallsyms text"));
        uint printkSize = r.U32("the printk formats size");
        if (printkSize > 0) ParsePrintk(r.Bytes(printkSize, "printk formats text"), ctx.Printk);
        if (VersionAtLeast06(td.Version))
        {
            ulong cmdSize = r.U64("the saved cmdlines size");
            if (cmdSize > 0) ParseCmdlines(r.Bytes(cmdSize, "saved cmdlines text"), td._cmdlines);
        }
        return td;
    }

    private void Add(TracepointFormat? f, Reader r, long at)
    {
        if (f is null) r.FailAt(at, "an event format starting with 'name:' and 'ID:' lines");
        _formats.Add(f!);
        _byId.TryAdd(f!.Id, f);
    }

    /// <summary>atof(version) ≥ 0.6, the condition perf uses for the saved cmdlines section.</summary>
    private static bool VersionAtLeast06(string v)
    {
        int i = 0;
        while (i < v.Length && (char.IsAsciiDigit(v[i]) || v[i] == '.')) i++;
        return double.TryParse(v.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double d) && d >= 0.6;
    }

    private static int? CommitFieldSize(string headerPage)
    {
        foreach (var line in headerPage.Split('\n'))
        {
            int f = line.IndexOf("field:", StringComparison.Ordinal);
            if (f < 0) continue;
            int semi = line.IndexOf(';', f);
            if (semi < 0) continue;
            var decl = line[(f + 6)..semi].TrimEnd();
            if (!decl.EndsWith(" commit", StringComparison.Ordinal)) continue;
            int s = line.IndexOf("size:", semi, StringComparison.Ordinal);
            if (s < 0) return null;
            int e = line.IndexOf(';', s);
            return e > s && int.TryParse(line.AsSpan(s + 5, e - s - 5), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        }
        return null;
    }

    /// <summary>Lines "ADDR : \"format\"" (perf trace-event-parse.c parse_ftrace_printk, libtraceevent tep_register_print_string).</summary>
    private static void ParsePrintk(ReadOnlySpan<byte> text, Dictionary<ulong, string> into)
    {
        foreach (var line in Latin1(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            ulong addr = ParseHexPrefix(line.AsSpan(0, colon));
            string fmt = colon + 2 <= line.Length ? line[(colon + 2)..] : "";
            if (fmt.StartsWith('"')) fmt = fmt[1..];
            if (fmt.EndsWith('"')) fmt = fmt[..^1];
            if (fmt.EndsWith("\\n", StringComparison.Ordinal)) fmt = fmt[..^2];
            into[addr] = fmt;
        }
    }

    private static ulong ParseHexPrefix(ReadOnlySpan<char> s)
    {
        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        ulong v = 0;
        foreach (char c in s)
        {
            int d = c switch { >= '0' and <= '9' => c - '0', >= 'a' and <= 'f' => c - 'a' + 10, >= 'A' and <= 'F' => c - 'A' + 10, _ => -1 };
            if (d < 0) break;
            v = unchecked((v << 4) | (uint)d);
        }
        return v;
    }

    /// <summary>Lines "PID COMM" (perf parse_saved_cmdline).</summary>
    private static void ParseCmdlines(ReadOnlySpan<byte> text, Dictionary<int, string> into)
    {
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int sp = line.IndexOf(' ', StringComparison.Ordinal);
            if (sp <= 0) continue;
            if (!int.TryParse(line.AsSpan(0, sp), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pid)) continue;
            var comm = line[(sp + 1)..].Trim();
            int ws = comm.IndexOfAny([' ', '\t']);
            if (ws >= 0) comm = comm[..ws];
            if (comm.Length > 16) comm = comm[..16];
            if (comm.Length > 0) into[pid] = comm;
        }
    }

    private static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    /// <summary>Bounds-checked cursor over the blob.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, string file, long baseOffset)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private readonly string _file = file;
        private readonly long _base = baseOffset;
        public int Pos;
        public bool BigEndian;

        public readonly void Fail(int back, string expected) => throw new CaptureFormatException(_file, _base + Pos + back, expected);
        public readonly void FailAt(long at, string expected) => throw new CaptureFormatException(_file, _base + at, expected);

        private readonly void Need(long n, string what)
        {
            if (n < 0 || n > _data.Length - Pos)
                throw new CaptureFormatException(_file, _base + Pos,
                    FormattableString.Invariant($"{what} ({n} bytes; {_data.Length - Pos} left in TRACING_DATA)"));
        }

        public byte Byte(string what)
        {
            Need(1, what);
            return _data[Pos++];
        }

        public uint U32(string what)
        {
            Need(4, what);
            var s = _data.Slice(Pos, 4);
            Pos += 4;
            return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        }

        public ulong U64(string what)
        {
            Need(8, what);
            var s = _data.Slice(Pos, 8);
            Pos += 8;
            return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
        }

        public ReadOnlySpan<byte> Bytes(ulong n, string what)
        {
            Need(n > int.MaxValue ? -1 : (long)n, what);
            var s = _data.Slice(Pos, (int)n);
            Pos += (int)n;
            return s;
        }

        public ReadOnlySpan<byte> CString(string what)
        {
            int nul = _data[Pos..].IndexOf((byte)0);
            if (nul < 0) throw new CaptureFormatException(_file, _base + Pos, what + " ending in NUL");
            var s = _data.Slice(Pos, nul);
            Pos += nul + 1;
            return s;
        }

        public void Literal(ReadOnlySpan<byte> lit, string what)
        {
            Need(lit.Length, what);
            if (!_data.Slice(Pos, lit.Length).SequenceEqual(lit)) throw new CaptureFormatException(_file, _base + Pos, what);
            Pos += lit.Length;
        }
    }
}
