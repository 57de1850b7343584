using System.Text;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Merge.Pprof;

/// <summary>
/// Merges profiles into one the way pprof's profile.Merge does (go tool pprof -proto a b): sample types (in order) and
/// period types must be equal, or one sample type is chosen by name; mappings, functions and locations are unified by
/// content; samples with the same stack, thread, event and labels are summed and all-zero samples dropped (profiles with
/// per-sample timestamps keep every sample instead); earliest start time, summed durations, largest period, comments
/// once each, the first default sample type and drop/keep frames.
/// </summary>
public static class ProfileMerger
{
    /// <summary>Merges <paramref name="inputs"/>; with <paramref name="sampleType"/> every input contributes that one value column.</summary>
    /// <exception cref="CaptureFormatException">An input cannot be merged with the first (names both files and their types).</exception>
    public static Profile Merge(IReadOnlyList<Profile> inputs, string? sampleType = null)
    {
        if (inputs.Count == 0) throw new ArgumentException("nothing to merge", nameof(inputs));
        var first = inputs[0];
        var columns = new int[inputs.Count][];
        SampleType[] types;
        if (sampleType is not null)
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                var k = SampleTypes.IndexOf(inputs[i], sampleType);
                if (k < 0)
                    throw new CaptureFormatException(inputs[i].Source.File, 0,
                        $"a sample type '{sampleType}' to merge on (it has {SampleTypes.Describe(inputs[i].SampleTypes)})");
                columns[i] = [k];
            }
            types = [first.SampleTypes[columns[0][0]]];
        }
        else
        {
            for (var i = 1; i < inputs.Count; i++)
            {
                var p = inputs[i];
                if (!SameTypes(first.SampleTypes, p.SampleTypes))
                    throw new CaptureFormatException(p.Source.File, 0,
                        $"sample types {SampleTypes.Describe(first.SampleTypes)} as in {first.Source.File} to merge with it, not {SampleTypes.Describe(p.SampleTypes)} (--sample-type NAME merges on one type)");
                if (first.PeriodType != p.PeriodType)
                    throw new CaptureFormatException(p.Source.File, 0,
                        $"period type {Describe(first.PeriodType)} as in {first.Source.File} to merge with it, not {Describe(p.PeriodType)} (--sample-type NAME merges on one type)");
            }
            types = [.. first.SampleTypes];
            for (var i = 0; i < inputs.Count; i++) columns[i] = Enumerable.Range(0, types.Length).ToArray();
        }

        var m = new Merger(new Profile(types));
        m.Headers(inputs, sampleType is null);
        var aggregate = true;
        foreach (var p in inputs)
            for (var i = 0; i < p.Samples.Count && aggregate; i++)
                if (p.Samples.Time(i) != SampleTable.NoTime) aggregate = false;
        for (var i = 0; i < inputs.Count; i++) m.Add(inputs[i], columns[i], aggregate);
        m.Finish();
        return m.Result;
    }

    private static bool SameTypes(IReadOnlyList<SampleType> a, IReadOnlyList<SampleType> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }

    private static string Describe(SampleType? t) => t is { } v ? v.Type + "/" + v.Unit : "(none)";

    private sealed class Merger(Profile result)
    {
        public Profile Result { get; } = result;
        private readonly Dictionary<(ulong Size, ulong Offset, string Key), int> _mappings = [];
        private readonly Dictionary<(long Start, string Name, string Sys, string File), int> _functions = [];
        private readonly Dictionary<(int Mapping, ulong Addr, string Lines, bool Folded, bool Ret), int> _locations = [];
        private readonly Dictionary<string, int> _events = new(StringComparer.Ordinal);
        private readonly Dictionary<(int Stack, int Thread, int Event, string Labels), int> _slots = [];
        private readonly List<(int Stack, int Thread, int Event, Label[]? Labels)> _keys = [];
        private readonly List<long[]> _sums = [];
        private readonly StringBuilder _sb = new();

        public void Headers(IReadOnlyList<Profile> inputs, bool keepDefault)
        {
            var p = Result;
            var first = inputs[0];
            p.Source.File = string.Join(" + ", inputs.Select(i => i.Source.File));
            p.Source.Format = first.Source.Format;
            p.Source.Hostname = first.Source.Hostname;
            p.Source.CommandLine = first.Source.CommandLine;
            p.PeriodType = first.PeriodType;
            p.DropFrames = first.DropFrames;
            p.KeepFrames = first.KeepFrames;
            p.DocUrl = first.DocUrl;
            p.Clock.Domain = first.Clock.Domain;
            p.Clock.OffsetToUtcNs = first.Clock.OffsetToUtcNs;
            p.Clock.AlignedBy = first.Clock.AlignedBy;
            p.Clock.Reference = first.Clock.Reference;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in inputs)
            {
                // pprof combineHeaders: earliest time, summed durations, largest period, comments once, first default type.
                if (s.StartTime is { } t && (p.StartTime is null || t < p.StartTime)) p.StartTime = t;
                p.DurationNs += s.DurationNs;
                if (s.Period > p.Period) p.Period = s.Period;
                foreach (var c in s.Comments) if (seen.Add(c)) p.Comments.Add(c);
                if (keepDefault) p.DefaultSampleType ??= s.DefaultSampleType;
                foreach (var (k, v) in s.Diagnostics.Counters) p.Diagnostics.Count(k, v);
            }
        }

        public void Add(Profile src, int[] columns, bool aggregate)
        {
            var p = Result;
            var mapping = new int[src.Mappings.Count];
            foreach (var m in src.Mappings) mapping[m.Id] = MapMapping(m);
            var function = new int[src.Functions.Count];
            foreach (var f in src.Functions) function[f.Id] = MapFunction(src, f);
            var location = new int[src.Locations.Count];
            foreach (var l in src.Locations) location[l.Id] = MapLocation(src, l, mapping, function);
            // A stack's parent always has a smaller id (StackTable.Push adds parents first).
            var stack = new int[src.Stacks.Count];
            for (var s = 0; s < stack.Length; s++)
            {
                var parent = src.Stacks.Parent(s);
                stack[s] = p.Stacks.Push(parent < 0 ? StackTable.Root : stack[parent], location[src.Stacks.Location(s)]);
            }
            var thread = new int[src.Threads.Count];
            foreach (var t in src.Threads) thread[t.Id] = p.InternThread(t.Pid, t.Tid, t.Name);
            var evt = new int[src.Events.Count];
            for (var e = 0; e < evt.Length; e++)
            {
                var info = src.Events[e];
                if (!_events.TryGetValue(info.Name, out evt[e]))
                {
                    evt[e] = p.Events.Count;
                    _events.Add(info.Name, evt[e]);
                    p.Events.Add(info);
                }
            }
            var values = new long[columns.Length];
            var samples = src.Samples;
            for (var i = 0; i < samples.Count; i++)
            {
                var v = samples.Values(i);
                var zero = true;
                for (var k = 0; k < columns.Length; k++) { values[k] = v[columns[k]]; zero &= values[k] == 0; }
                var st = samples.Stack(i) < 0 ? StackTable.Root : stack[samples.Stack(i)];
                var th = (uint)samples.Thread(i) < (uint)thread.Length ? thread[samples.Thread(i)] : -1;
                var ev = (uint)samples.Event(i) < (uint)evt.Length ? evt[samples.Event(i)] : 0;
                var labels = samples.Labels(i);
                if (!aggregate)
                {
                    p.Samples.Add(st, th, samples.Time(i), values, ev, samples.Cpu(i), labels.IsEmpty ? null : labels.ToArray());
                    continue;
                }
                if (zero) continue; // pprof's Merge drops all-zero samples
                var key = (st, th, ev, LabelKey(labels));
                if (!_slots.TryGetValue(key, out var slot))
                {
                    slot = _sums.Count;
                    _slots.Add(key, slot);
                    _keys.Add((st, th, ev, labels.IsEmpty ? null : labels.ToArray()));
                    _sums.Add(new long[columns.Length]);
                }
                var sum = _sums[slot];
                for (var k = 0; k < sum.Length; k++) sum[k] += values[k];
            }
            foreach (var mk in src.Marks) p.Marks.Add(mk with { Thread = (uint)mk.Thread < (uint)thread.Length ? thread[mk.Thread] : -1 });
            p.Histograms.AddRange(src.Histograms);
        }

        public void Finish()
        {
            for (var i = 0; i < _keys.Count; i++)
            {
                var (st, th, ev, labels) = _keys[i];
                // pprof merges again when a sum came out all zero, dropping it.
                if (Array.TrueForAll(_sums[i], v => v == 0)) continue;
                Result.Samples.Add(st, th, SampleTable.NoTime, _sums[i], ev, -1, labels);
            }
        }

        private string LabelKey(ReadOnlySpan<Label> labels)
        {
            if (labels.IsEmpty) return "";
            // pprof's sampleKey sorts the labels: the same labels in another order are the same key.
            var parts = new string[labels.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                var l = labels[i];
                _sb.Clear();
                _sb.Append(l.Key).Append('\0').Append(l.Str is null ? 'n' : 's').Append(l.Str).Append('\0').Append(l.Num).Append('\0').Append(l.NumUnit);
                parts[i] = _sb.ToString();
            }
            Array.Sort(parts, StringComparer.Ordinal);
            return string.Join('\u0001', parts);
        }

        private int MapMapping(Mapping m)
        {
            // pprof mappingKey: size rounded up to 4 KiB (mapsizeRounding = 0x1000), file offset, build id else file name.
            var size = m.Limit - m.Start;
            size = size + 0xFFF - ((size + 0xFFF) % 0x1000);
            var key = (size, m.FileOffset, m.BuildId is { Length: > 0 } b ? "b" + b : "f" + m.Path);
            if (_mappings.TryGetValue(key, out var id)) return id;
            id = Result.AddMapping(m);
            _mappings.Add(key, id);
            return id;
        }

        private int MapFunction(Profile src, Function f)
        {
            var key = (f.StartLine, src.Strings[f.Name], src.Strings[f.SystemName], src.Strings[f.FileName]);
            if (_functions.TryGetValue(key, out var id)) return id;
            var s = Result.Strings;
            id = Result.Functions.Count;
            Result.Functions.Add(new Function { Id = id, Name = s.Intern(key.Item2), SystemName = s.Intern(key.Item3), FileName = s.Intern(key.Item4), StartLine = f.StartLine });
            _functions.Add(key, id);
            return id;
        }

        private int MapLocation(Profile src, Location l, int[] mapping, int[] function)
        {
            var mid = (uint)l.MappingId < (uint)mapping.Length ? mapping[l.MappingId] : -1;
            // pprof locationKey: address relative to its mapping's start (address space randomization), mapping, lines, is_folded.
            var addr = mid >= 0 ? l.Address - src.Mappings[l.MappingId].Start : l.Address;
            _sb.Clear();
            foreach (var line in l.Lines)
                _sb.Append(function[line.FunctionId]).Append(':').Append(line.LineNumber).Append(':').Append(line.Column).Append('|');
            var key = (mid, addr, _sb.ToString(), l.IsFolded, l.IsReturnAddress);
            if (_locations.TryGetValue(key, out var id)) return id;
            id = Result.Locations.Count;
            var loc = new Location
            {
                Id = id, MappingId = mid, IsReturnAddress = l.IsReturnAddress,
                Address = mid >= 0 ? addr + Result.Mappings[mid].Start : l.Address,
                SymbolOffset = l.SymbolOffset, IsFolded = l.IsFolded,
            };
            foreach (var line in l.Lines) loc.Lines.Add(line with { FunctionId = function[line.FunctionId] });
            Result.Locations.Add(loc);
            _locations.Add(key, id);
            return id;
        }
    }
}
