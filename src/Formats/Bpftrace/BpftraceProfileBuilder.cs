using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>
/// Turns what the text and JSON readers saw into the neutral model: stack-keyed map entries become aggregate samples
/// (root first, weighted by their value), histograms go to <see cref="Profile.Histograms"/>, timestamped printf lines
/// to <see cref="Profile.Marks"/>, other map entries to <see cref="Profile.Comments"/>; everything skipped is counted.
/// </summary>
public sealed class BpftraceProfileBuilder
{
    /// <summary>Diagnostics counter: probes bpftrace attached ("Attaching N probes...").</summary>
    public const string ProbesCounter = "bpftrace: probes attached";
    /// <summary>Diagnostics counter: events bpftrace reported lost.</summary>
    public const string LostCounter = "bpftrace: lost events";
    /// <summary>Diagnostics counter: printf lines that carry no timestamp (kept nowhere else).</summary>
    public const string UntimedCounter = "bpftrace: printf lines without a timestamp";
    /// <summary>Diagnostics counter: time() lines.</summary>
    public const string TimeCounter = "bpftrace: time() lines";
    /// <summary>Diagnostics counter: timestamped lines that also print wall-clock text (strftime() of their nsecs), clock anchors.</summary>
    public const string StrftimeCounter = "bpftrace: lines with wall-clock text (strftime)";
    /// <summary>Diagnostics counter: JSON objects of a type this reader does not know.</summary>
    public const string UnknownTypeCounter = "bpftrace: unknown JSON types";
    /// <summary>Diagnostics counter: other messages (cat, join, system, helper errors, warnings).</summary>
    public const string OtherCounter = "bpftrace: other messages";
    /// <summary>Diagnostics counter: <c>&lt;unwind failure&gt;</c> frames.</summary>
    public const string UnwindCounter = "bpftrace: unwind failures";
    /// <summary>Diagnostics counter: map entries whose key has another number of elements than the rest of its map.</summary>
    public const string ShapeCounter = "bpftrace: entries with an odd key shape";
    /// <summary>Diagnostics counter: stack-map entries left out by <c>--map</c>.</summary>
    public const string UnselectedCounter = "bpftrace: entries of maps not selected";
    /// <summary>Diagnostics counter: stacks cut at the depth limit.</summary>
    public const string TruncatedCounter = "bpftrace: stacks truncated";

    // x86_64: kernel addresses live in the upper half of the 48-bit (and 57-bit) canonical address space
    // (Documentation/arch/x86/x86_64/mm.rst); bpftrace prints user and kernel addresses as they are.
    private const ulong KernelSpaceStart = 0xffff800000000000UL;

    private readonly string _path;
    private readonly ReadOptions _options;
    private readonly List<BpftraceEntry> _entries = [];
    private readonly Dictionary<string, long> _untimedByOffset = [];

    /// <summary>The profile being filled (marks, histograms, comments and diagnostics arrive while reading).</summary>
    public Profile Profile { get; }

    /// <summary>Starts a profile for the input <paramref name="path"/>.</summary>
    public BpftraceProfileBuilder(string path, ReadOptions options)
    {
        _path = path;
        _options = options;
        Profile = new Profile([new SampleType("samples", "count")]);
        Profile.Clock.Domain = options.Bpftrace.Clock ?? ClockDomain.BootTime;
    }

    private readonly List<BpftraceFrame> _frames = [];
    private readonly Dictionary<BpftraceFrame, int> _frameIds = [];

    /// <summary>The id of a frame in the frame table, adding it if new (stacks are kept as frame ids until the profile is built).</summary>
    internal int Frame(in BpftraceFrame f)
    {
        if (_frameIds.TryGetValue(f, out var id)) return id;
        id = _frames.Count;
        _frames.Add(f);
        _frameIds.Add(f, id);
        return id;
    }

    /// <summary>Adds a printed map entry (histograms are recorded at once, everything else when the profile is built).</summary>
    internal void Add(BpftraceEntry entry)
    {
        if (entry.Kind == BpftraceValueKind.Histogram)
        {
            Profile.Histograms.Add(new Histogram(entry.Map, entry.KeyText(_frames), entry.Buckets ?? []));
            return;
        }
        _entries.Add(entry);
    }

    /// <summary>
    /// Records a printf line (or a line nothing else claimed): a timeline mark when it carries a timestamp (and a clock anchor when
    /// it also prints wall-clock text, strftime() of that timestamp), a time() line when it is wall-clock text alone, counted otherwise.
    /// </summary>
    public void Line(string text, long offset)
    {
        if (TryMark(text, out var mark))
        {
            Profile.Marks.Add(mark);
            MarkTime(mark.Time);
            // the wall-clock text after the timestamp column: strftime() of (we take it) the same nsecs
            var rest = text.AsSpan();
            var skip = LeadingNumberEnd(rest);
            if (WallClockText.TryFind(rest[skip..], out var w))
            {
                Printed(PrintedClockKind.Strftime, w.HasDate).Add(mark.Time, w.WallNs, w.ResolutionNs, w.ZoneGiven, Shorten(text.TrimEnd('\n')));
                Profile.Diagnostics.Count(StrftimeCounter);
            }
            return;
        }
        if (WallClockText.TryWhole(text, out var t)) { TimeLine(t, text); return; }
        Profile.Diagnostics.Report(UntimedCounter, "printf line without a timestamp: " + Shorten(text), offset);
    }

    /// <summary>Records a time() line (JSON output's <c>"type": "time"</c>): a clock anchor to ±1 s when its text is a wall-clock time, counted always.</summary>
    public void Time(string text)
    {
        if (WallClockText.TryWhole(text, out var t)) TimeLine(t, text);
        else Profile.Diagnostics.Count(TimeCounter);
    }

    private long _lastMarkTime = SampleTable.NoTime;
    private readonly List<(WallClockText Text, string Line)> _pendingTime = [];
    // time() lines before the first timestamped line wait for it; more than this many are only counted (a bound on memory).
    private const int MaxPendingTime = 1024;

    private void TimeLine(in WallClockText t, string text)
    {
        Profile.Diagnostics.Count(TimeCounter);
        // time() prints the wall clock when user space handles the event; the nearest source time is the line printed before it
        if (_lastMarkTime != SampleTable.NoTime) Printed(PrintedClockKind.Time, t.HasDate).Add(_lastMarkTime, t.WallNs, t.ResolutionNs, t.ZoneGiven, text.TrimEnd('\n'));
        else if (_pendingTime.Count < MaxPendingTime) _pendingTime.Add((t, text.TrimEnd('\n')));
    }

    private void MarkTime(long time)
    {
        _lastMarkTime = time;
        if (_pendingTime.Count == 0) return;
        foreach (var (t, line) in _pendingTime) Printed(PrintedClockKind.Time, t.HasDate).Add(time, t.WallNs, t.ResolutionNs, t.ZoneGiven, line);
        _pendingTime.Clear();
    }

    private PrintedClock Printed(PrintedClockKind kind, bool hasDate)
    {
        foreach (var pc in Profile.Clock.Printed) if (pc.Kind == kind && pc.HasDate == hasDate) return pc;
        var n = new PrintedClock { Kind = kind, HasDate = hasDate };
        Profile.Clock.Printed.Add(n);
        return n;
    }

    private static int LeadingNumberEnd(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (i < s.Length && s[i] is >= '0' and <= '9') i++;
        return i;
    }

    private bool TryMark(string text, out Mark mark)
    {
        mark = default;
        var line = text.TrimEnd('\n');
        if (_options.Bpftrace.LinePattern is { } re)
        {
            Match m;
            try { m = re.Match(line); }
            catch (RegexMatchTimeoutException) { return false; }
            if (!m.Success || !m.Groups["ts"].Success || !BpftraceSyntax.TryInteger(m.Groups["ts"].ValueSpan, out var ts)) return false;
            int? pid = Int(m.Groups["pid"]), tid = Int(m.Groups["tid"]);
            var comm = m.Groups["comm"].Success ? m.Groups["comm"].Value : null;
            var thread = pid is null && tid is null && comm is null ? -1 : Profile.InternThread(pid ?? -1, tid ?? -1, comm ?? "");
            long? value = m.Groups["value"].Success && BpftraceSyntax.TryInteger(m.Groups["value"].ValueSpan, out var v) ? v : null;
            var name = m.Groups["name"].Success ? m.Groups["name"].Value : "printf";
            mark = new Mark(ts, thread, name, value, line);
            return true;
        }
        // Auto-detection: a leading integer column (bpftrace's nsecs) followed by a blank or the end of the line.
        var span = line.AsSpan();
        var end = 0;
        while (end < span.Length && span[end] is >= '0' and <= '9') end++;
        if (end == 0 || (end < span.Length && span[end] is not (' ' or '\t'))) return false;
        if (!long.TryParse(span[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var time)) return false;
        var tokens = line[end..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        string? first = null;
        foreach (var t in tokens)
            if (!BpftraceSyntax.TryInteger(t, out _)) { first = t; break; }
        long? val = tokens.Length >= 2 && BpftraceSyntax.TryInteger(tokens[^1], out var lv) ? lv : null;
        mark = new Mark(time, -1, first ?? "printf", val, line);
        return true;
    }

    private static int? Int(Group g)
        => g.Success && int.TryParse(g.ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>Builds the samples from the stack maps and returns the finished profile.</summary>
    public Profile Build()
    {
        var p = Profile;
        if (p.Marks.Count > 0)
        {
            long first = long.MaxValue, last = long.MinValue;
            foreach (var m in p.Marks) { first = Math.Min(first, m.Time); last = Math.Max(last, m.Time); }
            p.StartTime = first;
            p.DurationNs = last - first;
        }
        // maps in order of first appearance
        var order = new List<string>();
        var byMap = new Dictionary<string, List<BpftraceEntry>>(StringComparer.Ordinal);
        foreach (var e in _entries)
        {
            if (!byMap.TryGetValue(e.Map, out var list)) { byMap[e.Map] = list = []; order.Add(e.Map); }
            list.Add(e);
        }

        var stackMaps = new List<(string Map, List<BpftraceEntry> Entries, int Arity, bool[] IsStack)>();
        foreach (var name in order)
        {
            var list = byMap[name];
            var arity = ModalArity(list);
            var isStack = new bool[arity];
            foreach (var e in list)
                if (e.Keys.Count == arity)
                    for (var i = 0; i < arity; i++) isStack[i] |= e.Keys[i].IsStack;
            if (Array.IndexOf(isStack, true) >= 0) stackMaps.Add((name, list, arity, isStack));
            else foreach (var e in list) p.Comments.Add(e.Describe(_frames));
        }

        var wanted = _options.Bpftrace.Map;
        if (wanted is { Length: > 0 })
        {
            var w = wanted.StartsWith('@') ? wanted : "@" + wanted;
            var found = stackMaps.FindIndex(m => m.Map == w);
            if (found < 0)
            {
                var known = stackMaps.Count == 0 ? "none" : string.Join(", ", stackMaps.Select(m => m.Map));
                throw new CaptureFormatException(_path, 0, $"a map {w} holding stacks (maps with stacks: {known})");
            }
            for (var i = 0; i < stackMaps.Count; i++)
                if (i != found) p.Diagnostics.Count(UnselectedCounter, stackMaps[i].Entries.Count);
            stackMaps = [stackMaps[found]];
        }

        var rootFrames = stackMaps.Count > 1;
        var frames = new List<int>();
        foreach (var (map, list, arity, isStack) in stackMaps)
        {
            var kernel = ClassifyStacks(list, arity, isStack);
            var roles = KeyRoles(arity, isStack);
            var rootLoc = rootFrames ? NamedLocation(map, null, false) : -1;
            foreach (var e in list)
            {
                if (e.Keys.Count != arity)
                {
                    p.Diagnostics.Report(ShapeCounter, FormattableString.Invariant($"{e.Map} entry with {e.Keys.Count} key elements, not {arity}"), e.Offset);
                    continue;
                }
                frames.Clear();
                if (rootLoc >= 0) frames.Add(rootLoc);
                // user stacks toward the root, kernel stacks toward the leaf (as perf shows them); bpftrace prints leaf first
                for (var pass = 0; pass < 2; pass++)
                    for (var i = 0; i < arity; i++)
                    {
                        if (!isStack[i] || kernel[i] != (pass == 1)) continue;
                        var st = e.Keys[i].Stack;
                        if (st is null) continue; // empty element where the map holds stacks: an empty stack
                        for (var f = st.Length - 1; f >= 0; f--) frames.Add(FrameLocation(st[f], kernel[i]));
                    }
                if (frames.Count > _options.Limits.MaxStackDepth)
                {
                    p.Diagnostics.Count(TruncatedCounter);
                    frames.RemoveRange(0, frames.Count - _options.Limits.MaxStackDepth);
                }
                var stack = p.Stacks.FromRootFirst(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(frames));
                var (thread, labels) = ThreadAndLabels(e, roles);
                var value = e.Kind == BpftraceValueKind.Integer || e.Kind == BpftraceValueKind.Stats ? e.Value : 0;
                if (e.Kind == BpftraceValueKind.Text)
                {
                    p.Comments.Add(e.Describe(_frames));
                    continue;
                }
                p.Samples.Add(stack, thread, SampleTable.NoTime, [value], labels: labels);
            }
        }
        return p;
    }

    private static int ModalArity(List<BpftraceEntry> list)
    {
        var counts = new Dictionary<int, int>();
        int best = 0, bestN = -1;
        foreach (var e in list)
        {
            counts.TryGetValue(e.Keys.Count, out var n);
            counts[e.Keys.Count] = ++n;
            if (n > bestN) { bestN = n; best = e.Keys.Count; }
        }
        return best;
    }

    // Kernel entry points at the root of kernel stacks (x86_64 entry code, kernel threads, idle), for stacks that carry
    // neither addresses nor modules.
    private static readonly string[] s_kernelRoots =
        ["entry_SYSCALL_64", "ret_from_fork", "secondary_startup_64", "x86_64_start_kernel", "common_startup_64", "start_kernel", "asm_", "cpu_startup_entry"];

    /// <summary>For each key position holding stacks: true for kernel stacks, by addresses, modules, entry points, then position.</summary>
    private bool[] ClassifyStacks(List<BpftraceEntry> list, int arity, bool[] isStack)
    {
        var votes = new int[arity]; // > 0 kernel, < 0 user
        foreach (var e in list)
        {
            if (e.Keys.Count != arity) continue;
            for (var i = 0; i < arity; i++)
            {
                if (!isStack[i] || e.Keys[i].Stack is not { Length: > 0 } st) continue;
                foreach (var id in st)
                {
                    var f = _frames[id];
                    if (f.Address is { } a && a != 0) votes[i] += a >= KernelSpaceStart ? 1 : -1;
                    else if (f.Module is not null) votes[i]--;
                }
                var root = _frames[st[^1]].Name;
                if (root is not null)
                    foreach (var k in s_kernelRoots)
                        if (root.StartsWith(k, StringComparison.Ordinal)) { votes[i]++; break; }
            }
        }
        var kernel = new bool[arity];
        var knownKernel = false;
        var knownUser = false;
        for (var i = 0; i < arity; i++)
        {
            if (!isStack[i]) continue;
            if (votes[i] > 0) { kernel[i] = true; knownKernel = true; }
            else if (votes[i] < 0) knownUser = true;
        }
        // undecided positions: the opposite of a decided one, else the first is kernel (bpftrace's usual @[kstack, ustack])
        var firstUndecided = true;
        for (var i = 0; i < arity; i++)
        {
            if (!isStack[i] || votes[i] != 0) continue;
            kernel[i] = knownUser && !knownKernel || (!knownUser && !knownKernel && firstUndecided && CountStacks(isStack) > 1);
            firstUndecided = false;
        }
        return kernel;
    }

    private static int CountStacks(bool[] isStack)
    {
        var n = 0;
        foreach (var b in isStack) if (b) n++;
        return n;
    }

    private enum Role { Label, Skip, Pid, Tid, Comm, Named }

    private (Role Role, string Name)[] KeyRoles(int arity, bool[] isStack)
    {
        var names = _options.Bpftrace.Keys;
        var roles = new (Role, string)[arity];
        var n = 0;
        for (var i = 0; i < arity; i++)
        {
            if (isStack[i])
            {
                roles[i] = (Role.Skip, "");
                if (n < names.Count && names[n] is "_" or "stack" or "kstack" or "ustack") n++;
                continue;
            }
            var name = n < names.Count ? names[n++] : null;
            roles[i] = name switch
            {
                null => (Role.Label, FormattableString.Invariant($"key{i + 1}")),
                "_" => (Role.Skip, ""),
                "pid" => (Role.Pid, "pid"),
                "tid" => (Role.Tid, "tid"),
                "comm" => (Role.Comm, "comm"),
                _ => (Role.Named, name),
            };
        }
        return roles;
    }

    private (int Thread, Label[]? Labels) ThreadAndLabels(BpftraceEntry e, (Role Role, string Name)[] roles)
    {
        int? pid = null, tid = null;
        string? comm = null;
        List<Label>? labels = null;
        for (var i = 0; i < roles.Length; i++)
        {
            var text = e.Keys[i].Text;
            switch (roles[i].Role)
            {
                case Role.Pid when int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v): pid = v; break;
                case Role.Tid when int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v): tid = v; break;
                case Role.Comm: comm = text; break;
                case Role.Skip: break;
                default:
                    labels ??= [];
                    labels.Add(BpftraceSyntax.TryInteger(text, out var num) ? new Label(roles[i].Name, null, num) : new Label(roles[i].Name, text));
                    break;
            }
        }
        var thread = pid is null && tid is null && comm is null ? -1 : Profile.InternThread(pid ?? -1, tid ?? -1, comm ?? "");
        return (thread, labels?.ToArray());
    }

    private int _kernelMapping = -1;
    private readonly Dictionary<(string Name, long Offset, bool HasOffset, bool Kernel), int> _named = [];

    private int KernelMapping()
    {
        if (_kernelMapping < 0)
            _kernelMapping = Profile.AddMapping(new Mapping { Path = "[kernel.kallsyms]", Kind = MappingKind.Kernel, Start = 0, Limit = ulong.MaxValue, Pid = -1 });
        return _kernelMapping;
    }

    private int[] _locationOfFrame = [];

    /// <summary>The location of a frame (by id) in a kernel or user stack, made once per frame and kind.</summary>
    private int FrameLocation(int frameId, bool kernelStack)
    {
        var slot = frameId * 2 + (kernelStack ? 1 : 0);
        if (slot >= _locationOfFrame.Length) Array.Resize(ref _locationOfFrame, Math.Max(slot + 1, _frames.Count * 2));
        if (_locationOfFrame[slot] == 0) _locationOfFrame[slot] = NewFrameLocation(_frames[frameId], kernelStack) + 1;
        if (_frames[frameId].Name is BpftraceFrame.UnwindFailure) Profile.Diagnostics.Count(UnwindCounter);
        return _locationOfFrame[slot] - 1;
    }

    private int NewFrameLocation(in BpftraceFrame f, bool kernelStack)
    {
        if (f.Name is null)
        {
            // an address only (raw mode, or unresolved): kernel ones get the kernel mapping so kallsyms can name them
            var addr = f.Address ?? 0;
            var kernel = addr >= KernelSpaceStart || (kernelStack && addr == 0);
            return Profile.InternLocation(kernel ? KernelMapping() : -1, addr);
        }
        var id = NamedLocation(f.Name, f.Offset, kernelStack);
        return id;
    }

    private int NamedLocation(string name, long? offset, bool kernel)
    {
        var key = (name, offset ?? 0, offset is not null, kernel);
        if (_named.TryGetValue(key, out var id)) return id;
        id = Profile.Locations.Count;
        var loc = new Location { Id = id, MappingId = kernel ? KernelMapping() : -1, Address = 0 };
        var display = _options.Bpftrace.KeepOffsets && offset is { } off ? name + "+" + off.ToString(CultureInfo.InvariantCulture) : name;
        loc.Lines.Add(new Line(Profile.InternFunction(display), 0));
        loc.SymbolOffset = offset is { } o && o > 0 ? (ulong)o : 0;
        Profile.Locations.Add(loc);
        _named.Add(key, id);
        return id;
    }
}
