using Stackweave.Formats.PerfData;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Merge.Symbols;

/// <summary>Per-object symbolization statistics, for <c>stackweave info</c>.</summary>
public sealed class BinaryStats
{
    /// <summary>Path as recorded (or <c>[kernel.kallsyms]</c>, <c>[vdso]</c>, <c>//anon</c>...).</summary>
    public required string Path { get; init; }
    /// <summary>Mapping kind.</summary>
    public MappingKind Kind { get; init; }
    /// <summary>Build id recorded in the capture.</summary>
    public string? BuildId { get; init; }
    /// <summary>True when symbols were loaded for it.</summary>
    public bool Found { get; internal set; }
    /// <summary>How its symbols were found.</summary>
    public SymbolRoute Route { get; internal set; }
    /// <summary>File whose symbol table was used.</summary>
    public string? SymbolFile { get; internal set; }
    /// <summary>Symbols in the table used.</summary>
    public int SymbolCount { get; internal set; }
    /// <summary>Distinct locations in this object.</summary>
    public int Locations { get; internal set; }
    /// <summary>Distinct locations left without a symbol.</summary>
    public int UnresolvedLocations { get; internal set; }
    /// <summary>Samples with at least one frame in this object.</summary>
    public long Samples { get; internal set; }
    /// <summary>Samples whose leaf frame is in this object.</summary>
    public long SelfSamples { get; internal set; }
    /// <summary>Frames in this object summed over all samples (a sample counts once per frame).</summary>
    public long FrameSamples { get; internal set; }
    /// <summary>Problems met while finding its symbols.</summary>
    public List<string> Messages { get; } = [];
    /// <summary>How its Go pclntab was found when it was symbolized from one (stripped Go binary), else null.</summary>
    public Go.GoPclnRoute? GoPclnTab { get; internal set; }
}

/// <summary>What a symbolization pass did.</summary>
public sealed class SymbolizeReport
{
    /// <summary>One entry per object (binary, kernel, JIT map...), in first-seen order.</summary>
    public List<BinaryStats> Binaries { get; } = [];
    /// <summary>Locations given a symbol by this pass.</summary>
    public int Resolved { get; internal set; }
    /// <summary>Locations left without a symbol.</summary>
    public int Unresolved { get; internal set; }
    /// <summary>Locations that already had lines (left untouched).</summary>
    public int AlreadySymbolized { get; internal set; }
    /// <summary>Warnings (kallsyms mismatch...).</summary>
    public List<string> Warnings { get; } = [];
}

/// <summary>
/// The first-level symbolization pass: gives each distinct location of a profile its function name from ELF
/// symbol tables, kallsyms or JIT perf maps, looked up the way perf 6.1 does. Each object is loaded once.
/// </summary>
public static class Symbolizer
{
    /// <summary>Diagnostics counter: frames left without a symbol.</summary>
    public const string UnresolvedCounter = "symbolize: unresolved frames";
    /// <summary>Diagnostics counter: objects with unresolved frames (one message per object).</summary>
    public const string UnresolvedByObjectCounter = "symbolize: objects with unresolved frames";
    /// <summary>Diagnostics counter: binaries not found.</summary>
    public const string MissingBinaryCounter = "symbolize: missing binary";
    /// <summary>Diagnostics counter: files rejected because their build id differs from the capture's.</summary>
    public const string BuildIdMismatchCounter = "symbolize: build-id mismatch";
    /// <summary>Diagnostics counter: other problems while finding symbols.</summary>
    public const string SymbolProblemCounter = "symbolize: symbol source problem";
    /// <summary>Diagnostics counter: jitdump files whose reading stopped at a damaged record.</summary>
    public const string JitDumpDamageCounter = "symbolize: damaged jitdump";
    /// <summary>Diagnostics counter: jitdump records of unknown type (skipped by size).</summary>
    public const string JitDumpUnknownRecordCounter = "symbolize: jitdump records of unknown type";
    /// <summary>Diagnostics counter: jitdump CODE_MOVE records naming code no CODE_LOAD announced.</summary>
    public const string JitDumpUnmatchedMoveCounter = "symbolize: jitdump moves of unknown code";
    /// <summary>Diagnostics counter: kallsyms warnings.</summary>
    public const string KallsymsCounter = "symbolize: kallsyms";

    /// <summary>Symbolizes every location without lines; fills <see cref="Location.Lines"/> and <see cref="Location.SymbolOffset"/>.</summary>
    public static SymbolizeReport Symbolize(Profile profile, SymbolOptions options) =>
        Symbolize(profile, options, profile.Mappings.FirstOrDefault(m => m.Kind == MappingKind.Kernel && m.FileOffset != 0)?.FileOffset);

    /// <summary>
    /// As <see cref="Symbolize(Profile, SymbolOptions)"/>; <paramref name="kernelReferenceAddress"/> is the address of
    /// <c>_text</c> the capture recorded (the pgoff of its <c>[kernel.kallsyms]_text</c> map), checked against kallsyms.
    /// </summary>
    public static SymbolizeReport Symbolize(Profile profile, SymbolOptions options, ulong? kernelReferenceAddress)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        var report = new SymbolizeReport();
        var state = new State(profile, options, report, kernelReferenceAddress);
        var (self, frames, inclusive) = SampleWeights(profile);
        var locStats = new BinaryStats?[profile.Locations.Count];

        foreach (var loc in profile.Locations)
        {
            // Frames named by the capture (perf script text, folded stacks) were symbolized where they were made.
            if (loc.NamedBySource) { report.AlreadySymbolized++; continue; }
            var mapping = loc.MappingId >= 0 && loc.MappingId < profile.Mappings.Count ? profile.Mappings[loc.MappingId] : null;
            var stats = state.StatsFor(mapping);
            if ((uint)loc.Id < (uint)locStats.Length) locStats[loc.Id] = stats;
            stats.Locations++;
            stats.SelfSamples += self[loc.Id];
            stats.FrameSamples += frames[loc.Id];
            if (loc.Lines.Count > 0) { report.AlreadySymbolized++; continue; }
            if (state.ResolveGo(mapping, loc))
            {
                report.Resolved++;
                continue;
            }
            var hit = state.Resolve(mapping, loc);
            if ((options.Inline is not null || options.SourceLines) && state.DwarfLines(mapping, loc, hit))
            {
                report.Resolved++;
                continue;
            }
            if (hit is { } h)
            {
                // perf demangles user-space ELF symbols only (symbol-elf.c demangle_sym); kallsyms and JIT map names stay as they are.
                var display = options.Demangle is { } style && mapping?.Kind is MappingKind.User or MappingKind.Vdso ? state.Demangled(h.Name, style) : h.Name;
                var f = profile.InternFunction(display, h.Name, h.File);
                loc.Lines.Capacity = 1; // one line (a List's first Add would make room for four): ~70 bytes less per location
                loc.Lines.Add(new Line(f, h.Line));
                loc.SymbolOffset = h.Offset;
                report.Resolved++;
            }
            else
            {
                stats.UnresolvedLocations++;
                report.Unresolved++;
            }
        }

        CountSamplesPerObject(profile, locStats, inclusive);
        foreach (var b in report.Binaries)
            if (b.UnresolvedLocations > 0)
            {
                profile.Diagnostics.Count(UnresolvedCounter, b.UnresolvedLocations);
                profile.Diagnostics.Report(UnresolvedByObjectCounter, FormattableString.Invariant($"{b.UnresolvedLocations} unresolved frames in {b.Path}"));
            }
        return report;
    }

    /// <summary>The name perf shows for an ELF symbol: demangled in <paramref name="style"/>, a "@plt" or "@@VERSION" suffix kept.</summary>
    public static string DisplayName(string symbol, Demangle.DemangleStyle style)
    {
        var at = symbol.IndexOf('@', StringComparison.Ordinal);
        var bare = at > 0 ? symbol[..at] : symbol;
        return Demangle.Demangler.Demangle(bare, style) is { } d ? d + symbol[bare.Length..] : symbol;
    }

    /// <summary>
    /// Fills <see cref="BinaryStats.Samples"/>: per object, the samples with at least one frame in it. One depth-first
    /// walk of the stack tree: a node adds its subtree's samples (<paramref name="inclusive"/>) to its object when no
    /// caller above it is in that object, so each sample counts once per object.
    /// </summary>
    private static void CountSamplesPerObject(Profile profile, BinaryStats?[] locStats, long[] inclusive)
    {
        var stacks = profile.Stacks;
        var n = stacks.Count;
        if (n == 0) return;
        // objects numbered once, so the walk counts in arrays, not a dictionary
        var objectOf = new int[locStats.Length];
        var objects = new List<BinaryStats>();
        var numbers = new Dictionary<BinaryStats, int>(ReferenceEqualityComparer.Instance);
        for (var l = 0; l < locStats.Length; l++)
        {
            if (locStats[l] is not { } b) { objectOf[l] = -1; continue; }
            if (!numbers.TryGetValue(b, out var k)) { k = objects.Count; objects.Add(b); numbers.Add(b, k); }
            objectOf[l] = k;
        }
        int ObjectOf(int node) => stacks.Location(node) is var l && (uint)l < (uint)objectOf.Length ? objectOf[l] : -1;
        // Parents come before children (stack ids grow away from the root); a node breaking that is taken as a root.
        int ParentOf(int node) => stacks.Parent(node) is var p && p < node ? p : -1;

        // children of every node, in one array (counting sort by parent)
        var first = new int[n + 2];
        for (var s = 0; s < n; s++) first[ParentOf(s) + 2]++;
        for (var i = 2; i < first.Length; i++) first[i] += first[i - 1];
        var children = new int[n];
        var fill = (int[])first.Clone();
        for (var s = 0; s < n; s++) children[fill[ParentOf(s) + 1]++] = s;

        var open = new int[objects.Count]; // frames of each object on the current path
        var counts = new long[objects.Count];
        var path = new Stack<(int Node, int Next)>();
        // roots are the children of "-1" (slot 0)
        for (var r = first[0]; r < first[1]; r++)
        {
            Enter(children[r]);
            while (path.Count > 0)
            {
                var (node, next) = path.Pop();
                if (next < first[node + 2])
                {
                    path.Push((node, next + 1));
                    Enter(children[next]);
                    continue;
                }
                if (ObjectOf(node) is var k and >= 0) open[k]--;
            }
        }
        for (var k = 0; k < objects.Count; k++) objects[k].Samples += counts[k];

        void Enter(int node)
        {
            if (ObjectOf(node) is var k and >= 0)
            {
                if (open[k]++ == 0) counts[k] += inclusive[node];
            }
            path.Push((node, first[node + 1]));
        }
    }

    /// <summary>Per location: samples where it is the leaf, and frame occurrences summed over samples; per stack node: its subtree's samples.</summary>
    private static (long[] Self, long[] Frames, long[] Inclusive) SampleWeights(Profile profile)
    {
        var self = new long[profile.Locations.Count];
        var frames = new long[profile.Locations.Count];
        var stacks = profile.Stacks;
        if (stacks.Count == 0) return (self, frames, []);
        var perStack = new long[stacks.Count];
        var samples = profile.Samples;
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples.Stack(i);
            if (s < 0 || s >= perStack.Length) continue;
            perStack[s]++;
            var l = stacks.Location(s);
            if ((uint)l < (uint)self.Length) self[l]++;
        }
        // Parents are created before their children, so a reverse walk accumulates subtree totals.
        var inclusive = (long[])perStack.Clone();
        for (var s = stacks.Count - 1; s >= 0; s--)
        {
            var p = stacks.Parent(s);
            if (p >= 0 && p < s) inclusive[p] += inclusive[s];
            var l = stacks.Location(s);
            if ((uint)l < (uint)frames.Length) frames[l] += inclusive[s];
        }
        return (self, frames, inclusive);
    }

    private readonly record struct Hit(string Name, ulong Offset, string? File = null, long Line = 0);

    /// <summary>
    /// Which kallsyms file holds a capture's kernel symbols: --kallsyms, else perf's build-id cache copy, else this
    /// machine's /proc/kallsyms when its kernel is the capture's (same build id, or no build id recorded: the caller
    /// then checks _text). Null when there is none.
    /// </summary>
    internal static (string Path, SymbolRoute Route, bool Running)? KallsymsSource(SymbolOptions options, BinaryLocator locator, string? kernelBuildId)
    {
        if (!string.IsNullOrEmpty(options.KallsymsPath)) return (options.KallsymsPath, SymbolRoute.Kallsyms, false);
        if (kernelBuildId is { } kid && locator.CacheFile(kid, "kallsyms") is { } cached) return (cached, SymbolRoute.BuildIdCache, false);
        if (options.UseRunningKernel && (kernelBuildId is null || RunningKernel.BuildId() == kernelBuildId))
            return (RunningKernel.KallsymsPath, SymbolRoute.Kallsyms, true);
        return null;
    }

    private sealed class State(Profile profile, SymbolOptions options, SymbolizeReport report, ulong? kernelReference)
    {
        private readonly BinaryLocator _locator = new(options);
        private readonly Dictionary<(string Path, string? BuildId, MappingKind Kind, int Pid), (BinaryStats Stats, SymbolTable? Table, JitCodeMap? Jit)> _objects = [];
        private readonly Dictionary<int, (BinaryStats Stats, SymbolTable? Table, JitCodeMap? Jit)> _byMapping = [];
        private readonly Dictionary<BinaryStats, Go.GoBinary> _go = [];
        private readonly List<Go.GoFrame> _goFrames = [];
        private Kallsyms? _kallsyms;
        private bool _kallsymsTried;
        private string? _kernelBuildId;
        private string? _kallsymsFile;
        private SymbolRoute _kallsymsRoute = SymbolRoute.Kallsyms;

        public BinaryStats StatsFor(Mapping? m) => Object(m).Stats;

        private (BinaryStats Stats, SymbolTable? Table, JitCodeMap? Jit) Object(Mapping? m)
        {
            var mid = m?.Id ?? -1;
            if (_byMapping.TryGetValue(mid, out var o)) return o;
            var path = m?.Path ?? "[unknown]";
            var kind = EffectiveKind(m);
            var buildId = BinaryLocator.Normalize(m?.BuildId);
            // JIT maps and anonymous memory are per process; everything else is shared by path and build id.
            var pid = kind is MappingKind.Anonymous or MappingKind.Jit ? m?.Pid ?? 0 : 0;
            var key = (path, kind is MappingKind.User or MappingKind.Vdso or MappingKind.Kernel ? buildId : null, kind, pid);
            if (!_objects.TryGetValue(key, out o))
            {
                o = LoadObject(kind, path, buildId, m);
                _objects[key] = o;
                report.Binaries.Add(o.Stats);
            }
            _byMapping[mid] = o;
            return o;
        }

        private (BinaryStats, SymbolTable?, JitCodeMap?) LoadObject(MappingKind kind, string path, string? buildId, Mapping? m)
        {
            var stats = new BinaryStats { Path = path, Kind = kind, BuildId = buildId };
            SymbolTable? table = null;
            JitCodeMap? jit = null;
            switch (kind)
            {
                case MappingKind.User or MappingKind.Vdso:
                {
                    if (kind == MappingKind.Vdso && buildId is null) break; // perf finds [vdso] only by build id
                    var b = options.Cache is { } cache ? cache.Binary(_locator, path, buildId) : _locator.Load(path, buildId);
                    _located[stats] = b;
                    table = b.Table;
                    if (b.Go is { } go)
                    {
                        _go[stats] = go;
                        stats.GoPclnTab = go.Route;
                        stats.Found = true;
                        stats.SymbolCount = go.Table.FunctionCount;
                    }
                    stats.Route = b.Route;
                    stats.SymbolFile = b.SymbolFile;
                    stats.Messages.AddRange(b.Messages);
                    foreach (var msg in b.Messages)
                    {
                        var counter = msg.StartsWith("missing binary", StringComparison.Ordinal) ? MissingBinaryCounter
                            : msg.StartsWith("build-id mismatch", StringComparison.Ordinal) ? BuildIdMismatchCounter
                            : SymbolProblemCounter;
                        profile.Diagnostics.Report(counter, msg);
                    }
                    break;
                }
                case MappingKind.Jit or MappingKind.Anonymous:
                    // A JIT's code: perf-PID.map and/or jit-PID.dump of the mapping's process (perf names executable
                    // anonymous memory "/tmp/perf-PID.map", see PerfProfileBuilder; other anonymous memory stays quiet).
                    (table, jit) = LoadJit(kind == MappingKind.Jit ? path : null, m?.Pid ?? 0, stats, quietWhenMissing: kind == MappingKind.Anonymous);
                    break;
                case MappingKind.Kernel or MappingKind.KernelModule:
                    if (kind == MappingKind.Kernel) _kernelBuildId ??= buildId;
                    if (Kernel() is { } k)
                    {
                        stats.Route = _kallsymsRoute;
                        stats.SymbolFile = _kallsymsFile;
                        stats.SymbolCount = k.Count;
                        stats.Found = true;
                    }
                    break;
            }
            if (table is not null || jit is not null)
            {
                stats.Found = true;
                stats.SymbolCount = (table?.Count ?? 0) + (jit?.Segments ?? 0);
            }
            return (stats, table, jit);
        }

        /// <summary>
        /// Where a process's JIT file <paramref name="name"/> (perf-PID.map, jit-PID.dump) may be, in order: each --jit-dir,
        /// the capture's directory, the path the capture recorded (under --symfs, then as is), then <see cref="SymbolOptions.JitMapDirectory"/>.
        /// </summary>
        private List<string> JitCandidates(string name, IEnumerable<string> recorded)
        {
            var list = new List<string>();
            foreach (var d in options.JitDirs) list.Add(Path.Combine(d, name));
            var file = profile.Source.File;
            if (file is { Length: > 0 } && file != "-" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir) list.Add(Path.Combine(dir, name));
            foreach (var r in recorded)
            {
                if (options.Symfs is { Length: > 0 } s) list.Add(Path.Join(s, r.TrimStart('/')));
                list.Add(r);
            }
            if (options.Symfs is { Length: > 0 } sf) list.Add(Path.Join(sf, options.JitMapDirectory.TrimStart('/'), name));
            list.Add(Path.Combine(options.JitMapDirectory, name));
            return list;
        }

        private Dictionary<int, List<string>>? _jitDumpPaths;

        /// <summary>The jitdump paths the capture recorded for a process: JITs mmap their jit-PID.dump so perf records it (perf's jit marker).</summary>
        private List<string> RecordedJitDumps(int pid)
        {
            if (_jitDumpPaths is null)
            {
                _jitDumpPaths = [];
                foreach (var mp in profile.Mappings)
                {
                    var name = Path.GetFileName(mp.Path.AsSpan());
                    if (!name.StartsWith("jit-", StringComparison.Ordinal) || !name.EndsWith(".dump", StringComparison.Ordinal)) continue;
                    if (!int.TryParse(name[4..^5], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p)) continue;
                    if (!_jitDumpPaths.TryGetValue(p, out var l)) _jitDumpPaths[p] = l = [];
                    if (!l.Contains(mp.Path)) l.Add(mp.Path);
                }
            }
            return _jitDumpPaths.TryGetValue(pid, out var list) ? list : [];
        }

        private (SymbolTable?, JitCodeMap?) LoadJit(string? recordedMap, int pid, BinaryStats stats, bool quietWhenMissing)
        {
            if (pid <= 0 && recordedMap is not null && MappingClassifier.IsPerfMapPath(recordedMap))
                _ = int.TryParse(Path.GetFileName(recordedMap)[5..^4], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pid);
            if (pid <= 0) return (null, null);
            var mapName = FormattableString.Invariant($"perf-{pid}.map");
            var dumpName = FormattableString.Invariant($"jit-{pid}.dump");
            var mapCandidates = JitCandidates(mapName, recordedMap is { Length: > 0 } && !SamePathText(recordedMap, Path.Combine(options.JitMapDirectory, mapName)) ? [recordedMap] : []);
            var table = LoadPerfMap(mapCandidates, stats);
            var (jit, dumpFile) = JitDumpOf(pid, stats);
            if (table is not null && jit is not null) { stats.Route = SymbolRoute.PerfMapAndJitDump; stats.SymbolFile += " + " + dumpFile; }
            else if (jit is not null) { stats.Route = SymbolRoute.JitDump; stats.SymbolFile = dumpFile; }
            if (table is null && jit is null && !quietWhenMissing)
                Problem(stats, MissingBinaryCounter, "missing JIT map: " + mapName + " or " + dumpName + " (looked in " + string.Join(", ", mapCandidates.Select(Path.GetDirectoryName).Distinct()) + "; --jit-dir DIR adds a place)");
            return (table, jit);
        }

        private static bool SamePathText(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

        private SymbolTable? LoadPerfMap(IEnumerable<string> candidates, BinaryStats stats)
        {
            foreach (var p in candidates)
            {
                if (!File.Exists(p)) continue;
                try
                {
                    var t = PerfMap.Load(p);
                    stats.Route = SymbolRoute.PerfMap;
                    stats.SymbolFile = p;
                    return t;
                }
                catch (CaptureFormatException e) { Problem(stats, SymbolProblemCounter, "bad perf map: " + e.Message); }
                catch (IOException e) { Problem(stats, SymbolProblemCounter, "cannot read " + p + ": " + e.Message); }
                catch (UnauthorizedAccessException e) { Problem(stats, SymbolProblemCounter, "cannot read " + p + ": " + e.Message); }
            }
            return null;
        }

        private readonly Dictionary<int, (JitCodeMap? Map, string? File)> _jitDumps = [];

        /// <summary>The jitdump of process <paramref name="pid"/>, loaded once; problems go to <paramref name="stats"/> (when given) and the diagnostics.</summary>
        private (JitCodeMap? Map, string? File) JitDumpOf(int pid, BinaryStats? stats)
        {
            if (pid <= 0) return (null, null);
            if (_jitDumps.TryGetValue(pid, out var cached)) return cached;
            var name = FormattableString.Invariant($"jit-{pid}.dump");
            return _jitDumps[pid] = LoadJitDump(JitCandidates(name, RecordedJitDumps(pid)), stats);
        }

        private (JitCodeMap?, string?) LoadJitDump(IEnumerable<string> candidates, BinaryStats? stats)
        {
            foreach (var p in candidates)
            {
                if (!File.Exists(p)) continue;
                try
                {
                    var d = JitDump.Load(p);
                    if (d.Damage is { } dmg)
                        Problem(stats, JitDumpDamageCounter, FormattableString.Invariant($"jitdump damaged, read {d.Code.Count} code regions before: {dmg.Message}"));
                    if (d.UnknownRecords > 0) profile.Diagnostics.Count(JitDumpUnknownRecordCounter, d.UnknownRecords);
                    if (d.UnmatchedMoves > 0) profile.Diagnostics.Count(JitDumpUnmatchedMoveCounter, d.UnmatchedMoves);
                    return (d.ToCodeMap(), p);
                }
                catch (CaptureFormatException e) { Problem(stats, SymbolProblemCounter, "bad jitdump: " + e.Message); }
                catch (IOException e) { Problem(stats, SymbolProblemCounter, "cannot read " + p + ": " + e.Message); }
                catch (UnauthorizedAccessException e) { Problem(stats, SymbolProblemCounter, "cannot read " + p + ": " + e.Message); }
            }
            return (null, null);
        }

        private void Problem(BinaryStats? stats, string counter, string message)
        {
            stats?.Messages.Add(message);
            profile.Diagnostics.Report(counter, message);
        }

        private readonly Dictionary<string, string> _demangled = new(StringComparer.Ordinal);

        /// <summary>The display form of a symbol name (each distinct name demangled once).</summary>
        public string Demangled(string name, Demangle.DemangleStyle style)
        {
            if (!_demangled.TryGetValue(name, out var d)) _demangled[name] = d = DisplayName(name, style);
            return d;
        }

        private Kallsyms? Kernel()
        {
            if (_kallsymsTried) return _kallsyms;
            _kallsymsTried = true;
            if (KallsymsSource(options, _locator, _kernelBuildId) is not var (path, route, running)) return null;
            _kallsymsRoute = route;
            _kallsymsFile = path;
            try
            {
                _kallsyms = options.Cache is { } cache ? cache.Kallsyms(path, options.Limits) : Kallsyms.Load(path, options.Limits);
            }
            catch (CaptureFormatException e) { Warn("bad kallsyms: " + e.Message); return null; }
            catch (IOException e) { Warn("cannot read kallsyms " + path + ": " + e.Message); return null; }
            catch (UnauthorizedAccessException e) { Warn("cannot read kallsyms " + path + ": " + e.Message); return null; }
            if (kernelReference is { } r && _kallsyms.CheckAgainstCapture(r) is { } w)
            {
                if (running && _kernelBuildId is null)
                {
                    // No build id to prove it and the addresses differ: this machine's kernel is not the capture's.
                    _kallsyms = null;
                    return null;
                }
                Warn(w);
            }
            return _kallsyms;
        }

        private void Warn(string message)
        {
            report.Warnings.Add(message);
            profile.Diagnostics.Report(KallsymsCounter, message);
        }

        private static MappingKind EffectiveKind(Mapping? m) =>
            m is null ? MappingKind.Unknown
            : m.Kind == MappingKind.User && MappingClassifier.IsPerfMapPath(m.Path) ? MappingKind.Jit
            : m.Kind;

        private readonly Dictionary<BinaryStats, BinarySymbols> _located = [];
        private readonly HashSet<Dwarf.DwarfSource> _dwarfReported = [];

        /// <summary>
        /// Fills a user-space location's lines from DWARF as <see cref="SymbolOptions.Inline"/> and
        /// <see cref="SymbolOptions.SourceLines"/> ask; false when DWARF has nothing for it (the ELF symbol then applies).
        /// </summary>
        public bool DwarfLines(Mapping? m, Location loc, Hit? hit)
        {
            if (m is null || EffectiveKind(m) is not (MappingKind.User or MappingKind.Vdso)) return false;
            var o = Object(m);
            if (!_located.TryGetValue(o.Stats, out var b)) return false;
            var binding = Dwarf.DwarfBinding.For(b, options.Limits);
            if (binding.Source is not { } dwarf) return false;
            var adjust = loc.IsReturnAddress && options.ReturnAddressesAtCallSite && loc.Address > 0 ? 1UL : 0UL;
            if (binding.AddressOf(loc.Address - m.Start + m.FileOffset - adjust) is not { } address) return false;
            var frames = dwarf.Frames(address);
            if (dwarf.Error is { } err && _dwarfReported.Add(dwarf)) Problem(o.Stats, SymbolProblemCounter, "bad DWARF in " + dwarf.Path + ": " + err);
            if (frames.Count == 0) return false;
            Func<(ulong, string)?> symbolAt = () => hit is { } hh ? (0UL, hh.Name) : null;
            switch (options.Inline)
            {
                case InlineNames.Addr2Line:
                {
                    // stackcollapse-perf.pl runs addr2line on no module named in brackets ([vdso]).
                    if (EffectiveKind(m) == MappingKind.Vdso) return false;
                    // stackcollapse-perf.pl --inline keeps perf's name when addr2line names nothing ("??").
                    var named = false;
                    for (var i = 0; i < frames.Count && !named; i++) named = Dwarf.DwarfNames.Raw(frames, i, symbolAt) is not null;
                    if (!named) return false;
                    for (var i = 0; i < frames.Count; i++)
                    {
                        var raw = Dwarf.DwarfNames.Raw(frames, i, symbolAt) ?? "??";
                        var display = options.Demangle is null ? raw : Addr2LineName(raw);
                        var f = frames[i];
                        loc.Lines.Add(new Line(profile.InternFunction(display, raw, f.DeclFile, f.DeclLine), f.Line));
                    }
                    loc.SymbolOffset = hit?.Offset ?? 0;
                    loc.LinesFromDebugInfo = true;
                    return true;
                }
                case InlineNames.Perf:
                {
                    if (hit is not { } ph) return false;
                    for (var i = 0; i < frames.Count - 1; i++)
                    {
                        var raw = Dwarf.DwarfNames.Raw(frames, i, symbolAt) ?? "??";
                        var display = options.Demangle is { } st ? Demangled(raw, st) : raw;
                        var f = frames[i];
                        loc.Lines.Add(new Line(profile.InternFunction(display, raw, f.DeclFile, f.DeclLine), f.Line));
                    }
                    AddSymbolLine(loc, ph, frames[^1]);
                    loc.LinesFromDebugInfo = true;
                    return true;
                }
                default:
                    if (hit is not { } sh) return false;
                    AddSymbolLine(loc, sh, frames[^1]);
                    return true;
            }
        }

        private readonly Dictionary<string, string> _addr2LineNames = new(StringComparer.Ordinal);

        private string Addr2LineName(string raw)
        {
            if (!_addr2LineNames.TryGetValue(raw, out var d)) _addr2LineNames[raw] = d = Dwarf.DwarfNames.Addr2LineDisplay(raw);
            return d;
        }

        /// <summary>The ELF symbol as the frame of the function holding the code, with the file and line DWARF gives it.</summary>
        private void AddSymbolLine(Location loc, Hit h, Dwarf.DwarfFrame outer)
        {
            var display = options.Demangle is { } style ? Demangled(h.Name, style) : h.Name;
            loc.Lines.Add(new Line(profile.InternFunction(display, h.Name, outer.DeclFile, outer.DeclLine), outer.Line));
            loc.SymbolOffset = h.Offset;
        }

        /// <summary>
        /// Names a location of a stripped Go binary from its pclntab: the frames at the address, inlined ones first, each
        /// with its file and line. Caller frames are looked up at address − 1 (the call instruction), as Go's own
        /// runtime.CallersFrames and pprof do; perf names nothing there. False when the object has no pclntab or no
        /// function contains the address (then the ELF table, if any, is tried).
        /// </summary>
        public bool ResolveGo(Mapping? m, Location loc)
        {
            if (m is null || EffectiveKind(m) != MappingKind.User) return false;
            if (!_go.TryGetValue(Object(m).Stats, out var go)) return false;
            if (go.FileOffsetToAddress(loc.Address - m.Start + m.FileOffset) is not { } va) return false;
            var adjust = loc.IsReturnAddress && va > 0 ? 1UL : 0UL;
            if (!go.Table.Resolve(va - adjust, _goFrames, out var entry)) return false;
            foreach (var f in _goFrames)
            {
                var fid = profile.InternFunction(f.Function, f.Function, f.File);
                loc.Lines.Add(new Line(fid, f.Line > 0 ? f.Line : 0));
            }
            loc.SymbolOffset = va - entry;
            loc.LinesFromDebugInfo = true; // inlined frames from the pclntab's inline tree: --inline shows them
            return true;
        }

        private static Hit? JitHit(JitCodeMap? jit, ulong a, ulong adjust)
        {
            if (jit?.Find(a) is not { } jd) return null;
            var src = jit.SourceOf(jd.Symbol.Start, a);
            return new Hit(jd.Name, jd.Offset + adjust, src?.File, src?.Line ?? 0);
        }

        public Hit? Resolve(Mapping? m, Location loc)
        {
            if (m is null) return null;
            var o = Object(m);
            var adjust = loc.IsReturnAddress && options.ReturnAddressesAtCallSite && loc.Address > 0 ? 1UL : 0UL;
            switch (EffectiveKind(m))
            {
                case MappingKind.User or MappingKind.Vdso:
                {
                    // perf map__map_ip: file offset = address − map start + pgoff; symbols are in file-offset space.
                    var off = loc.Address - m.Start + m.FileOffset;
                    // Code a JIT announced in its jitdump inside a file's mapping (V8's embedded builtins in node's .text,
                    // .NET ReadyToRun methods in a mapped .dll): perf inject maps each CODE_LOAD over the file's mapping, so
                    // the jitdump's name wins there, when the capture recorded the process's jitdump (its mmap marker).
                    if (m.Kind == MappingKind.User && RecordedJitDumps(m.Pid).Count > 0 && JitHit(JitDumpOf(m.Pid, null).Map, loc.Address - adjust, adjust) is { } jh)
                    {
                        if (!o.Stats.Found)
                        {
                            // A file that is no ELF (a .NET .dll) gets all its names from the jitdump: that is its route.
                            o.Stats.Found = true;
                            o.Stats.Route = SymbolRoute.JitDump;
                            o.Stats.SymbolFile = JitDumpOf(m.Pid, null).File;
                        }
                        return jh;
                    }
                    return o.Table?.Find(off - adjust) is { } h ? new Hit(h.Name, h.Offset + adjust) : null;
                }
                case MappingKind.Jit or MappingKind.Anonymous:
                    // perf-PID.map first (what perf script shows without perf inject), then the jitdump for what it lacks.
                    var a = loc.Address - adjust;
                    if (o.Table?.Find(a) is { } j) return new Hit(j.Name, j.Offset + adjust);
                    return JitHit(o.Jit, a, adjust);
                case MappingKind.Kernel or MappingKind.KernelModule:
                    return Kernel()?.Find(loc.Address - adjust) is { } k ? new Hit(k.Name, k.Offset + adjust) : null;
                default:
                    return null;
            }
        }
    }
}
