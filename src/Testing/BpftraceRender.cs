using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Stackweave.Testing;

/// <summary>bpftrace's stack modes.</summary>
public enum BtStackMode
{
    /// <summary>Indented <c>sym+off</c> (bpftrace's default).</summary>
    Default,
    /// <summary><c>\t&lt;hex&gt; sym+off (module)</c>.</summary>
    Perf,
    /// <summary>Bare hex addresses (bpftrace ≥ 0.18).</summary>
    Raw,
}

/// <summary>What a generated map holds.</summary>
public enum BtValueKind
{
    /// <summary>count()/sum()/min()/max()/avg(): one integer.</summary>
    Integer,
    /// <summary>stats(): count, average, total.</summary>
    Stats,
    /// <summary>hist(): power-of-two buckets.</summary>
    Hist,
    /// <summary>lhist(): linear buckets.</summary>
    Lhist,
}

/// <summary>A generated frame: symbol, offset, address and module (user frames).</summary>
public sealed record BtFrame(string Name, long Offset, ulong Address, string? Module);

/// <summary>A generated key element: text (integer or string), or a stack (leaf first) that is kernel or user.</summary>
public sealed record BtKey(string? Text, IReadOnlyList<BtFrame>? Stack, bool Kernel);

/// <summary>A generated histogram bucket: half-open [Lo, Hi), null bounds open.</summary>
public sealed record BtBucket(long? Lo, long? Hi, long Count, string Label);

/// <summary>A generated map entry.</summary>
public sealed record BtEntry(IReadOnlyList<BtKey> Keys, long Value, long StatsCount, IReadOnlyList<BtBucket>? Buckets);

/// <summary>A generated map: its name (with "@"), stack mode, value kind and entries.</summary>
public sealed record BtMap(string Name, BtStackMode Mode, BtValueKind Kind, IReadOnlyList<BtEntry> Entries);

/// <summary>
/// Renders generated maps the way bpftrace prints them (bpftrace 0.17 src/output.cpp TextOutput and JsonOutput,
/// src/bpftrace.cpp get_stack; raw mode as later versions print it), and FsCheck generators for them.
/// </summary>
public static class BpftraceRender
{
    /// <summary>A stack in the given mode: "\n" then one frame per line.</summary>
    public static string Stack(IReadOnlyList<BtFrame> frames, BtStackMode mode, bool kernel)
    {
        if (frames.Count == 0) return "";
        var sb = new StringBuilder("\n");
        foreach (var f in frames)
        {
            var hex = f.Address.ToString("x", CultureInfo.InvariantCulture);
            switch (mode)
            {
                case BtStackMode.Raw: sb.Append(hex).Append('\n'); break;
                case BtStackMode.Perf:
                    sb.Append('\t').Append(hex).Append(' ').Append(f.Name).Append('+').Append(f.Offset.ToString(CultureInfo.InvariantCulture));
                    if (!kernel) sb.Append(" (").Append(f.Module).Append(')');
                    sb.Append('\n');
                    break;
                default: sb.Append("    ").Append(f.Name).Append('+').Append(f.Offset.ToString(CultureInfo.InvariantCulture)).Append('\n'); break;
            }
        }
        return sb.ToString();
    }

    private static string KeyElement(BtKey k, BtStackMode mode) => k.Stack is { } s ? Stack(s, mode, k.Kernel) : k.Text!;

    /// <summary>The maps in bpftrace's text form (after an "Attaching N probes..." line).</summary>
    public static string Text(IReadOnlyList<BtMap> maps, IReadOnlyList<string> printfLines)
    {
        var sb = new StringBuilder();
        sb.Append("Attaching ").Append(maps.Count + 1).Append(" probes...\n");
        foreach (var l in printfLines) sb.Append(l).Append('\n');
        sb.Append("\n\n");
        foreach (var m in maps)
        {
            for (var i = 0; i < m.Entries.Count; i++)
            {
                var e = m.Entries[i];
                sb.Append(m.Name);
                if (e.Keys.Count > 0) sb.Append('[').Append(string.Join(", ", e.Keys.Select(k => KeyElement(k, m.Mode)))).Append(']');
                sb.Append(": ");
                switch (m.Kind)
                {
                    case BtValueKind.Integer: sb.Append(e.Value.ToString(CultureInfo.InvariantCulture)); break;
                    case BtValueKind.Stats:
                        sb.Append(FormattableString.Invariant($"count {e.StatsCount}, average {(e.StatsCount == 0 ? 0 : e.Value / e.StatsCount)}, total {e.Value}"));
                        break;
                    default:
                        sb.Append('\n');
                        var max = e.Buckets!.Count == 0 ? 1 : e.Buckets.Max(b => b.Count);
                        foreach (var b in e.Buckets!)
                        {
                            var bar = new string('@', (int)(b.Count / (double)Math.Max(1, max) * 52));
                            sb.Append(b.Label.PadRight(16)).Append(b.Count.ToString(CultureInfo.InvariantCulture).PadLeft(8))
                              .Append(" |").Append(bar.PadRight(52)).Append("|\n");
                        }
                        break;
                }
                // map_to_str joins entries with "\n" (maps whose values are not stacks)
                sb.Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string JsonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>The maps in bpftrace's <c>-f json</c> form, one object per line.</summary>
    public static string Json(IReadOnlyList<BtMap> maps, IReadOnlyList<string> printfLines)
    {
        var sb = new StringBuilder();
        sb.Append("{\"type\": \"attached_probes\", \"data\": {\"probes\": ").Append(maps.Count + 1).Append("}}\n");
        foreach (var l in printfLines) sb.Append("{\"type\": \"printf\", \"data\": ").Append(JsonString(l + "\n")).Append("}\n");
        sb.Append("\n\n");
        foreach (var m in maps)
        {
            if (m.Entries.Count == 0) continue;
            var type = m.Kind switch { BtValueKind.Integer => "map", BtValueKind.Stats => "stats", _ => "hist" };
            sb.Append("{\"type\": \"").Append(type).Append("\", \"data\": {").Append(JsonString(m.Name)).Append(": ");
            var keyed = m.Entries[0].Keys.Count > 0;
            if (keyed) sb.Append('{');
            for (var i = 0; i < m.Entries.Count; i++)
            {
                var e = m.Entries[i];
                if (i > 0) sb.Append(", ");
                if (keyed) sb.Append(JsonString(string.Join(",", e.Keys.Select(k => KeyElement(k, m.Mode))))).Append(": ");
                switch (m.Kind)
                {
                    case BtValueKind.Integer: sb.Append(e.Value.ToString(CultureInfo.InvariantCulture)); break;
                    case BtValueKind.Stats:
                        sb.Append(FormattableString.Invariant($"{{\"count\": {e.StatsCount}, \"average\": {(e.StatsCount == 0 ? 0 : e.Value / e.StatsCount)}, \"total\": {e.Value}}}"));
                        break;
                    default:
                        sb.Append('[');
                        for (var k = 0; k < e.Buckets!.Count; k++)
                        {
                            var b = e.Buckets[k];
                            if (k > 0) sb.Append(", ");
                            sb.Append('{');
                            if (b.Lo is { } lo) sb.Append("\"min\": ").Append(lo.ToString(CultureInfo.InvariantCulture)).Append(", ");
                            if (b.Hi is { } hi) sb.Append("\"max\": ").Append((hi - 1).ToString(CultureInfo.InvariantCulture)).Append(", ");
                            sb.Append("\"count\": ").Append(b.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
                        }
                        sb.Append(']');
                        break;
                }
            }
            if (keyed) sb.Append('}');
            sb.Append("}}\n");
        }
        return sb.ToString();
    }

    // ---------------------------------------------------------------- generators

    private static readonly string[] s_userNames =
        ["fib(unsigned int)", "main", "std::vector<int>::push_back(int const&)", "a+b", "operator+", "__libc_start_call_main", "memcpy@plt", "f", "_start"];
    private static readonly string[] s_kernelNames = ["vfs_read", "do_syscall_64", "ksys_write", "x.isra.0", "_raw_spin_lock", "f"];

    /// <summary>hist() label of 2^power (TextOutput::hist_index_label: K, M, G, T suffixes).</summary>
    public static string HistLabel(int power)
    {
        var suffix = power >= 40 ? "T" : power >= 30 ? "G" : power >= 20 ? "M" : power >= 10 ? "K" : "";
        var p = power >= 40 ? power - 40 : power >= 30 ? power - 30 : power >= 20 ? power - 20 : power >= 10 ? power - 10 : power;
        return (1L << p).ToString(CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>lhist() label (TextOutput::lhist_index_label: M or K when divisible).</summary>
    public static string LhistLabel(long n)
        => n == 0 ? "0" : n % 1048576 == 0 ? (n / 1048576).ToString(CultureInfo.InvariantCulture) + "M"
            : n % 1024 == 0 ? (n / 1024).ToString(CultureInfo.InvariantCulture) + "K" : n.ToString(CultureInfo.InvariantCulture);

    private static Gen<BtFrame> Frame(bool kernel) =>
        from name in Gen.Elements(kernel ? s_kernelNames : s_userNames)
        from off in Gen.Choose(0, 5000)
        from low in Gen.Choose(0x1000, 0x7fffffff)
        from module in Gen.Elements("/usr/lib/x86_64-linux-gnu/libc.so.6", "/work/bin/burn-cpp")
        select new BtFrame(name, off, kernel ? 0xffffffff81000000UL + (ulong)low : 0x550000000000UL + (ulong)low, kernel ? null : module);

    private static Gen<IReadOnlyList<BtFrame>> StackGen(bool kernel, bool nonEmpty) =>
        from n in Gen.Choose(nonEmpty ? 1 : 0, 6)
        from frames in Frame(kernel).ArrayOf(n)
        select (IReadOnlyList<BtFrame>)(kernel && frames.Length > 0
            ? [.. frames[..^1], frames[^1] with { Name = "entry_SYSCALL_64_after_hwframe" }]
            : frames);

    private static readonly string[] s_strings = ["burn-cpp", "dd", "kworker/0:1", "a b", "x", "sshd", "123abc"];

    private static Gen<BtBucket[]> Buckets(bool linear) =>
        linear
            ? from step in Gen.Elements(1L, 10L, 1024L, 16384L, 1048576L)
              from start in Gen.Choose(0, 5)
              from n in Gen.Choose(1, 6)
              from counts in Gen.Choose(0, 100000).ArrayOf(n)
              from below in Gen.Elements(false, true)
              from above in Gen.Elements(false, true)
              select Linear(step, start, counts, below, above)
            : from start in Gen.Choose(0, 55)
              from n in Gen.Choose(1, 6)
              from counts in Gen.Choose(0, 100000).ArrayOf(n)
              select Log2(start, counts);

    private static BtBucket[] Linear(long step, int start, int[] counts, bool below, bool above)
    {
        var list = new List<BtBucket>();
        var min = (long)start * step;
        if (below) list.Add(new BtBucket(null, min, 7, "(..., " + LhistLabel(min) + ")"));
        for (var i = 0; i < counts.Length; i++)
        {
            var lo = min + i * step;
            list.Add(new BtBucket(lo, lo + step, counts[i], "[" + LhistLabel(lo) + ", " + LhistLabel(lo + step) + ")"));
        }
        var max = min + counts.Length * step;
        if (above) list.Add(new BtBucket(max, null, 3, "[" + LhistLabel(max) + ", ...)"));
        return [.. list];
    }

    private static BtBucket[] Log2(int start, int[] counts)
    {
        // hist() indexes: 0 = (..., 0), 1 = [0], 2 = [1], i ≥ 3 = [2^(i-2), 2^(i-1))
        var list = new List<BtBucket>();
        for (var k = 0; k < counts.Length; k++)
        {
            var i = start + k;
            if (i > 62) break;
            list.Add(i switch
            {
                0 => new BtBucket(null, 0, counts[k], "(..., 0)"),
                1 => new BtBucket(0, 1, counts[k], "[0]"),
                2 => new BtBucket(1, 2, counts[k], "[1]"),
                _ => new BtBucket(1L << (i - 2), 1L << (i - 1), counts[k], "[" + HistLabel(i - 2) + ", " + HistLabel(i - 1) + ")"),
            });
        }
        return [.. list];
    }

    /// <summary>A map with a random key shape: optional kernel and user stacks (at least one entry has each non-empty), integers and strings.</summary>
    public static Gen<BtMap> Map(string name) =>
        from mode in Gen.Elements(BtStackMode.Default, BtStackMode.Perf, BtStackMode.Raw)
        from kind in Gen.Frequency((4, Gen.Constant(BtValueKind.Integer)), (1, Gen.Constant(BtValueKind.Stats)), (1, Gen.Constant(BtValueKind.Hist)), (1, Gen.Constant(BtValueKind.Lhist)))
        from kstack in Gen.Elements(false, true)
        from ustack in Gen.Elements(false, true)
        from nExtra in Gen.Choose(0, 3)
        from n in Gen.Choose(1, 5)
        from entries in Entry(kind, kstack, ustack, nExtra).ArrayOf(n)
        select new BtMap(name, mode, kind, Fix(entries, kstack, ustack));

    private static IReadOnlyList<BtEntry> Fix(BtEntry[] entries, bool kstack, bool ustack)
    {
        // bpftrace prints each key once: drop entries whose printed key repeats
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<BtEntry>();
        foreach (var e in entries)
        {
            var key = string.Join("|", e.Keys.Select(k => k.Text ?? string.Join(";", k.Stack!.Select(f => f.Name + f.Offset + f.Address))));
            if (seen.Add(key)) list.Add(e);
        }
        return list;
    }

    private static Gen<BtEntry> Entry(BtValueKind kind, bool kstack, bool ustack, int extra) =>
        from k in StackGen(true, true)
        from u in StackGen(false, true)
        from texts in Gen.OneOf(Gen.Choose(-5, 100000).Select(i => i.ToString(CultureInfo.InvariantCulture)), Gen.Elements(s_strings)).ArrayOf(extra)
        from value in Gen.Choose(1, 1000000)
        from count in Gen.Choose(1, 1000)
        from buckets in Buckets(kind == BtValueKind.Lhist)
        select new BtEntry(Keys(kstack ? k : null, ustack ? u : null, texts), value, count, kind is BtValueKind.Hist or BtValueKind.Lhist ? buckets : null);

    private static IReadOnlyList<BtKey> Keys(IReadOnlyList<BtFrame>? k, IReadOnlyList<BtFrame>? u, string[] texts)
    {
        var list = new List<BtKey>();
        if (k is not null) list.Add(new BtKey(null, k, true));
        if (u is not null) list.Add(new BtKey(null, u, false));
        foreach (var t in texts) list.Add(new BtKey(t, null, false));
        return list;
    }

    /// <summary>Several maps with distinct names and a few printf lines (some with a leading nanosecond column).</summary>
    public static Arbitrary<(BtMap[] Maps, string[] Lines)> Captures() =>
        (from n in Gen.Choose(1, 4)
         from maps in Gen.CollectToArray(Enumerable.Range(0, n), i => Map(i == 0 ? "@" : "@m" + i.ToString(CultureInfo.InvariantCulture)))
         from nLines in Gen.Choose(0, 4)
         from lines in Gen.Elements("123456789 1 1 dd read 5", "hello world", "42", "999 x", "17:09:18").ArrayOf(nLines)
         select (maps.ToArray(), lines)).ToArbitrary();
}

/// <summary>A generated bpftrace output: maps, printf lines, and whether it is printed as text or <c>-f json</c> — the truth a generated file encodes.</summary>
public sealed record BtCapture(IReadOnlyList<BtMap> Maps, IReadOnlyList<string> PrintfLines, bool Json)
{
    /// <summary>The output as bpftrace prints it.</summary>
    public string Render() => Json ? BpftraceRender.Json(Maps, PrintfLines) : BpftraceRender.Text(Maps, PrintfLines);
}

/// <summary>What <see cref="BpftraceGenerators.Capture(BtGenOptions)"/> may draw.</summary>
public sealed record BtGenOptions
{
    /// <summary>Output forms: false = text, true = <c>-f json</c>.</summary>
    public bool[] Json { get; init; } = [false, true];
    /// <summary>Stack modes (Raw is bpftrace ≥ 0.18's).</summary>
    public BtStackMode[] Modes { get; init; } = [BtStackMode.Default, BtStackMode.Perf, BtStackMode.Raw];
    /// <summary>At most this many maps.</summary>
    public int MaxMaps { get; init; } = 4;
}

/// <summary>FsCheck generators and shrinkers of bpftrace outputs.</summary>
public static class BpftraceGenerators
{
    /// <summary>Several maps with distinct names, a few printf lines, text or JSON.</summary>
    public static Gen<BtCapture> Capture(BtGenOptions? o = null)
    {
        o ??= new BtGenOptions();
        return from n in Gen.Choose(1, Math.Max(1, o.MaxMaps))
               from maps in Gen.CollectToArray(Enumerable.Range(0, n), i => BpftraceRender.Map(i == 0 ? "@" : "@m" + i.ToString(CultureInfo.InvariantCulture)))
               from modes in Gen.Elements(o.Modes).ArrayOf(n)
               from nLines in Gen.Choose(0, 4)
               from lines in Gen.Elements("123456789 1 1 dd read 5", "hello world", "42", "999 x", "17:09:18").ArrayOf(nLines)
               from json in Gen.Elements(o.Json)
               select new BtCapture(maps.Select((m, i) => m with { Mode = modes[i] }).ToArray(), lines, json);
    }

    /// <summary>Smaller outputs: fewer maps, entries, printf lines; text form.</summary>
    public static IEnumerable<BtCapture> Shrink(BtCapture c)
    {
        for (var i = c.Maps.Count - 1; i >= 0 && c.Maps.Count > 1; i--) yield return c with { Maps = c.Maps.Where((_, k) => k != i).ToArray() };
        for (var i = 0; i < c.Maps.Count; i++)
        {
            var m = c.Maps[i];
            for (var e = m.Entries.Count - 1; e >= 0 && m.Entries.Count > 1; e--)
                yield return c with { Maps = c.Maps.Select((x, k) => k == i ? x with { Entries = x.Entries.Where((_, j) => j != e).ToArray() } : x).ToArray() };
        }
        if (c.PrintfLines.Count > 0) yield return c with { PrintfLines = [] };
        if (c.Json) yield return c with { Json = false };
    }
}

/// <summary>FsCheck arbitraries for <c>[Property(Arbitrary = [typeof(BpftraceArbitraries)])]</c>.</summary>
public static class BpftraceArbitraries
{
    /// <summary>bpftrace outputs in every stack mode, text or JSON, with shrinking.</summary>
    public static Arbitrary<BtCapture> Captures() => Arb.From(BpftraceGenerators.Capture(), BpftraceGenerators.Shrink);
}
