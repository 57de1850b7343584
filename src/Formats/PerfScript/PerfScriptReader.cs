using System.Globalization;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfScript;

/// <summary>
/// Reads the text <c>perf script</c> prints (every perf version FlameGraph and inferno read: the default layout and <c>-F</c> subsets,
/// comms with blanks, one-line stacks, tracepoint field text, <c>--ns</c>, <c>-F +tod</c>, JIT names with <c>-&gt;</c>-joined inlined
/// frames) into the neutral model. Frames keep the names perf printed (no symbolization needed); timestamps and periods are kept.
/// Lines that are neither a sample header nor a callchain line are counted in <see cref="Diagnostics"/> under
/// <see cref="SkippedLinesCounter"/> and skipped. A <c>tod</c> column gives <see cref="Clock.Reference"/>, read as UTC
/// (builtin-script.c tod_scnprintf prints the local time of the machine running perf script).
/// </summary>
public static class PerfScriptReader
{
    /// <summary>Diagnostics counter of lines that were not understood and were skipped.</summary>
    public const string SkippedLinesCounter = "perf-script: skipped lines";
    /// <summary>Diagnostics counter of callchain lines dropped beyond <see cref="Limits.MaxStackDepth"/>.</summary>
    public const string DeepStackCounter = "perf-script: frames beyond the stack depth limit";

    /// <summary>Diagnostics counter of side-band record lines (<c>perf script --show-*-events</c>: PERF_RECORD_MMAP, COMM...), skipped.</summary>
    public const string SideBandCounter = "perf-script: side-band record lines";

    /// <summary>
    /// Diagnostics counter of a last sample dropped because its callchain was cut off (no closing blank line), in text whose frames
    /// print no symbol offsets (README "Text inputs": with offsets the sample is kept, as inferno's suite expects).
    /// </summary>
    public const string TruncatedSampleCounter = "perf-script: truncated last sample";

    /// <summary>Sample types of profiles read from perf script text: one sample, and its period (as the perf.data reader).</summary>
    public static readonly SampleType[] SampleTypes = [new("samples", "count"), new("period", "count")];

    // perf_event_attr.sample_type bits (include/uapi/linux/perf_event.h enum perf_event_sample_format) implied by the printed fields.
    private const ulong SampleIp = 1UL << 0, SampleTid = 1UL << 1, SampleTime = 1UL << 2, SampleCallchain = 1UL << 5,
        SampleCpu = 1UL << 7, SamplePeriod = 1UL << 8, SampleRaw = 1UL << 10;

    // Software event names of perf (tools/perf/util/parse-events.c event_symbols_sw), for EventInfo.Kind.
    private static readonly HashSet<string> s_software = new(StringComparer.Ordinal)
    {
        "cpu-clock", "task-clock", "page-faults", "faults", "context-switches", "cs", "cpu-migrations", "migrations",
        "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches",
    };

    /// <summary>Reads perf script text from <paramref name="input"/>; <paramref name="path"/> names it in messages.</summary>
    public static Profile Read(Stream input, string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        var b = new Builder(path, options);
        using var lines = new TextLineReader(input);
        while (lines.TryReadLine(out var line)) b.Line(line, lines);
        return b.Finish(lines.LineOffset);
    }

    private sealed class Builder(string path, ReadOptions options)
    {
        private readonly Profile _p = new(SampleTypes);
        private readonly Dictionary<string, int> _events = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _mappings = new(StringComparer.Ordinal);
        private readonly Dictionary<(int Mapping, ulong Address, string? Symbol, ulong Offset, bool Ret), int> _locations = [];
        private readonly List<int> _frames = []; // leaf first
        // Location of a callchain line's text (leading blanks trimmed), for the leaf [0] and caller [1] positions.
        private readonly Dictionary<string, int>[] _frameCache = [new(StringComparer.Ordinal), new(StringComparer.Ordinal)];
        private int[] _rootFirst = new int[64];

        private bool _pending;        // a header was read and its sample is not finished
        private bool _oneLine;        // the pending sample's ip was on its header line
        private ScriptHeader _h;
        private string? _trace;
        private long _droppedFrames;
        private bool _symbolOffsets;  // some callchain line printed a symbol offset (+0x...)

        private long _firstOdd = -1;
        private long _minTime = long.MaxValue, _maxTime = long.MinValue;

        public void Line(ReadOnlySpan<char> span, TextLineReader r)
        {
            if (r.Overlong || r.HasNul) { Odd(r.LineOffset, r.Overlong ? "overlong line" : "line with a NUL byte"); return; }
            if (span.Length > 0 && span[^1] == '\r') span = span[..^1]; // text that went through a CRLF system
            if (span.Length > 0 && span[0] == '#')
            {
                Comment(span.ToString());
                return;
            }
            if (span.IsWhiteSpace())
            {
                if (_pending) Finish(blank: true);
                return;
            }
            var indented = span[0] is ' ' or '\t';
            if (_pending && !_oneLine && indented)
            {
                // Callchain lines repeat: a line seen before maps to its location without being parsed again.
                var text = span.TrimStart();
                var cache = _frameCache[_frames.Count > 0 ? 1 : 0].GetAlternateLookup<ReadOnlySpan<char>>();
                if (cache.TryGetValue(text, out var known))
                {
                    if (_frames.Count >= options.Limits.MaxStackDepth) _droppedFrames++;
                    else _frames.Add(known);
                    return;
                }
                if (PerfScriptText.TryParseFrame(span, out var f))
                {
                    var before = _frames.Count;
                    AddFrame(f);
                    if (_frames.Count == before + 1) cache[text] = _frames[^1];
                    return;
                }
            }
            if (PerfScriptText.IsSideBand(span))
            {
                // --show-*-events: MMAP, COMM, FORK, EXIT, SWITCH... records are not samples.
                if (_pending) Finish(blank: false);
                _p.Diagnostics.Count(SideBandCounter);
                return;
            }
            var line = span.ToString();
            if (PerfScriptText.TryParseHeader(line, out var h))
            {
                if (_pending) Finish(blank: false);
                Start(line, h);
                return;
            }
            if (_pending && !_oneLine && PerfScriptText.TryParseFrame(line, out var f2))
            {
                AddFrame(f2); // unindented callchain lines (some old perf versions)
                return;
            }
            Odd(r.LineOffset, _pending ? "neither a callchain line nor a sample header" : "not a sample header");
        }

        private void Odd(long offset, string what)
        {
            if (_firstOdd < 0) _firstOdd = offset;
            _p.Diagnostics.Report(SkippedLinesCounter, "perf-script: skipped a line: " + what, offset);
        }

        private void Comment(string line)
        {
            // perf script --header: "# hostname : x", "# cmdline : ..." (tools/perf/util/header.c print_hostname / print_cmdline)
            var colon = line.IndexOf(':');
            if (colon < 0) return;
            var key = line.AsSpan(1, colon - 1).Trim();
            var value = line[(colon + 1)..].Trim();
            if (key.SequenceEqual("hostname")) _p.Source.Hostname ??= value;
            else if (key.SequenceEqual("cmdline")) _p.Source.CommandLine ??= value;
        }

        private void Start(string line, ScriptHeader h)
        {
            _pending = true;
            _oneLine = false;
            _trace = null;
            _h = h;
            _frames.Clear();
            if (h.RestStart < line.Length)
            {
                var rest = line.AsSpan(h.RestStart);
                if (PerfScriptText.TryParseFrame(rest, out var f) && f.Dso is not null)
                {
                    _oneLine = true;
                    AddFrame(f);
                }
                else if (!rest.IsWhiteSpace()) _trace = line[h.RestStart..];
            }
        }

        private void AddFrame(PerfScriptText.Frame f)
        {
            if (f.HasOffset) _symbolOffsets = true;
            if (_frames.Count >= options.Limits.MaxStackDepth) { _droppedFrames++; return; }
            var mapping = Mapping(f.Dso);
            var key = (mapping, f.Address, f.Symbol, f.Offset, _frames.Count > 0);
            if (!_locations.TryGetValue(key, out var id))
            {
                id = _p.Locations.Count;
                var loc = new Location { Id = id, MappingId = mapping, Address = f.Address, IsReturnAddress = _frames.Count > 0 };
                loc.NamedBySource = true;
                loc.SymbolOffset = f.Offset;
                if (f.Symbol is { } sym && sym != "[unknown]")
                {
                    var kind = mapping >= 0 ? _p.Mappings[mapping].Kind : MappingKind.Unknown;
                    if (kind is MappingKind.Jit or MappingKind.Anonymous or MappingKind.Unknown && sym.Contains("->", StringComparison.Ordinal)
                        && SplitInlined(sym) is { } parts)
                    {
                        // A JIT agent's perf map name "outer->inner->innermost": frames the JIT inlined, outermost first.
                        for (var k = parts.Length - 1; k >= 0; k--) loc.Lines.Add(new Line(_p.InternFunction(parts[k]), 0));
                        loc.IsFolded = true;
                    }
                    else loc.Lines.Add(new Line(_p.InternFunction(sym), 0));
                }
                _p.Locations.Add(loc);
                _locations.Add(key, id);
            }
            _frames.Add(id);
        }

        private static string[]? SplitInlined(string sym)
        {
            var parts = sym.Split("->");
            foreach (var s in parts) if (s.Length == 0) return null;
            return parts;
        }

        private int Mapping(string? dso)
        {
            if (dso is null or "[unknown]") return -1;
            if (_mappings.TryGetValue(dso, out var id)) return id;
            var kind = MappingKind.User;
            var pid = 0;
            if (dso.StartsWith("[kernel.kallsyms]", StringComparison.Ordinal) || dso.EndsWith("vmlinux", StringComparison.Ordinal)
                || dso.StartsWith("[guest.kernel", StringComparison.Ordinal))
                kind = MappingKind.Kernel;
            else if (dso is "[vdso]" or "[vsyscall]" or "[vdso32]" or "[vdsox32]") kind = MappingKind.Vdso;
            else if (dso.StartsWith("[JIT]", StringComparison.Ordinal)) kind = MappingKind.Jit;
            else if (dso.StartsWith('[') || dso.EndsWith(".ko", StringComparison.Ordinal) || dso.EndsWith(".ko.xz", StringComparison.Ordinal)
                     || dso.EndsWith(".ko.zst", StringComparison.Ordinal) || dso.EndsWith(".ko.gz", StringComparison.Ordinal))
                kind = MappingKind.KernelModule;
            else if (dso.StartsWith("/tmp/perf-", StringComparison.Ordinal) && dso.EndsWith(".map", StringComparison.Ordinal))
            {
                kind = MappingKind.Jit;
                int.TryParse(dso.AsSpan(10, dso.Length - 14), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
            }
            else if (dso.Contains("/jitted-", StringComparison.Ordinal)) kind = MappingKind.Jit;
            else if (dso.StartsWith("//anon", StringComparison.Ordinal) || dso.StartsWith("/memfd:", StringComparison.Ordinal)
                     || dso.StartsWith("[anon", StringComparison.Ordinal))
                kind = MappingKind.Anonymous;
            id = _p.AddMapping(new Mapping { Path = dso, Start = 0, Limit = ulong.MaxValue, Kind = kind, Pid = pid });
            _mappings.Add(dso, id);
            return id;
        }

        private void Finish(bool blank)
        {
            _pending = false;
            var h = _h;
            var evName = h.Event ?? "";
            if (!_events.TryGetValue(evName, out var evt))
            {
                evt = _p.Events.Count;
                var baseName = evName;
                var colon = baseName.IndexOf(':');
                var isTp = _trace is not null;
                if (colon > 0 && !isTp) baseName = baseName[..colon];
                var slash = baseName.IndexOf('/');
                var kind = isTp ? EventKind.Tracepoint
                    : s_software.Contains(baseName) ? EventKind.Software
                    : slash > 0 && s_software.Contains(baseName[..slash]) ? EventKind.Software
                    : EventKind.Hardware;
                _p.Events.Add(new EventInfo
                {
                    Name = evName, Kind = kind,
                    PeriodUnit = baseName.StartsWith("cpu-clock", StringComparison.Ordinal) || baseName.StartsWith("task-clock", StringComparison.Ordinal) ? "nanoseconds" : "count",
                });
                _events.Add(evName, evt);
            }
            var info = _p.Events[evt];
            if (_trace is not null && info.Kind != EventKind.Tracepoint) info.Kind = EventKind.Tracepoint;
            var st = SampleTid;
            if (h.HasTime) st |= SampleTime;
            if (h.Cpu >= 0) st |= SampleCpu;
            if (h.HasPeriod) st |= SamplePeriod;
            if (_trace is not null) st |= SampleRaw;
            if (_oneLine) st |= SampleIp;
            else if (_frames.Count > 0 || blank) st |= SampleIp | SampleCallchain;
            info.PerfSampleType |= st;

            var thread = _p.InternThread(h.Pid, h.Tid, h.Comm);
            if (_rootFirst.Length < _frames.Count) _rootFirst = new int[Math.Max(_frames.Count, _rootFirst.Length * 2)];
            for (var k = 0; k < _frames.Count; k++) _rootFirst[k] = _frames[_frames.Count - 1 - k];
            var stack = _p.Stacks.FromRootFirst(_rootFirst.AsSpan(0, _frames.Count));
            var time = h.HasTime ? h.TimeNs : SampleTable.NoTime;
            if (h.HasTime)
            {
                _minTime = Math.Min(_minTime, h.TimeNs);
                _maxTime = Math.Max(_maxTime, h.TimeNs);
                if (h.HasTod && _p.Clock.Reference is null) _p.Clock.Reference = (h.TodNs, h.TimeNs);
            }
            var period = h.HasPeriod ? (long)Math.Min(h.Period, long.MaxValue) : 1;
            Span<long> values = [1, period];
            _p.Samples.Add(stack, thread, time, values, evt, h.Cpu, _trace is null ? null : [new Label("trace", _trace)]);
            _frames.Clear();
        }

        public Profile Finish(long endOffset)
        {
            if (_pending && !_oneLine && _frames.Count > 0 && !_symbolOffsets)
            {
                // perf ends every callchain with a blank line. A last sample without one is dropped in text without symbol offsets
                // (FlameGraph's suite: perf-dd-stacks-01 and five other inputs, expected files made by stackcollapse-perf.pl) and kept
                // in text whose frames print "+0x" offsets (inferno's suite: go-stacks, java-inline, single-event, versioned-vmlinux).
                // The offsets are the only content that tells the two suites' inputs apart; see README "Text inputs".
                _pending = false;
                _p.Diagnostics.Report(TruncatedSampleCounter, "perf-script: dropped the last sample: its callchain has no closing blank line", endOffset);
            }
            if (_pending) Finish(blank: false);
            if (_droppedFrames > 0) _p.Diagnostics.Count(DeepStackCounter, _droppedFrames);
            // the folded writer applies the text rules of the peer suites to profiles read from perf script text (README "Text inputs")
            if (_p.Source.Format.Length == 0) _p.Source.Format = PerfScriptFormat.Instance.Name;
            if (_minTime != long.MaxValue)
            {
                _p.Clock.Domain = ClockDomain.PerfClock;
                _p.StartTime = _minTime;
                _p.DurationNs = _maxTime - _minTime;
            }
            if (_p.Samples.Count == 0 && _firstOdd >= 0)
            {
                // Not a single sample line: this is not perf script text.
                var e = new CaptureFormatException(path, _firstOdd, "perf script text (a sample line 'comm tid [cpu] time: period event:')");
                if (!options.Salvage) throw e;
                _p.Damage = e;
            }
            return _p;
        }
    }
}
