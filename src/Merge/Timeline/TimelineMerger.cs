using Stackweave.Formats.Model;
using Stackweave.Formats.Speedscope;

namespace Stackweave.Merge.Timeline;

/// <summary>
/// Timeline merge: N aligned profiles of any kinds → one profile whose times are on one axis — UTC ns for every source the
/// AlignClocks pass placed; a source it could not place keeps its own axis, moved so that its first time is the start of
/// the merged axis (<see cref="SourcePart.AxisShiftNs"/>). Every input becomes a <see cref="SourcePart"/> with its clock;
/// its threads stay its own (the same tid seen by two tools is two timelines), its events keep their names, and sample
/// types are the union of the inputs' types by (type, unit): values of different units are never summed.
/// </summary>
public static class TimelineMerger
{
    /// <summary>Merges <paramref name="inputs"/> (already aligned) onto one axis.</summary>
    public static Profile Merge(IReadOnlyList<Profile> inputs)
    {
        if (inputs.Count == 0) throw new ArgumentException("nothing to merge", nameof(inputs));
        var types = new List<SampleType>();
        var typeIndex = new Dictionary<SampleType, int>();
        var columns = new int[inputs.Count][];
        for (var k = 0; k < inputs.Count; k++)
        {
            var p = inputs[k];
            columns[k] = new int[p.SampleTypes.Count];
            for (var c = 0; c < p.SampleTypes.Count; c++)
            {
                if (!typeIndex.TryGetValue(p.SampleTypes[c], out var idx))
                {
                    idx = types.Count;
                    types.Add(p.SampleTypes[c]);
                    typeIndex.Add(p.SampleTypes[c], idx);
                }
                columns[k][c] = idx;
            }
        }
        var r = new Profile(types);
        r.Source.File = string.Join(" + ", inputs.Select(i => i.Source.File));
        r.Source.Format = "timeline";
        r.Clock.Domain = ClockDomain.Realtime;
        r.Clock.OffsetToUtcNs = 0;
        r.Clock.Derivation = ClockDerivation.SourceWallClock;
        r.Clock.AlignedBy = "timeline merge: every placed source on UTC";

        // the start of the merged axis: the earliest aligned time, else the earliest time of all
        long axisStart = long.MaxValue;
        foreach (var p in inputs)
            if (p.Clock.IsAligned && First(p) is { } f) axisStart = Math.Min(axisStart, p.Clock.ToUtc(f)!.Value);
        if (axisStart == long.MaxValue) axisStart = 0;

        var values = new long[types.Count];
        for (var k = 0; k < inputs.Count; k++)
        {
            var p = inputs[k];
            var aligned = p.Clock.IsAligned;
            var shift = aligned ? 0 : axisStart - (First(p) ?? axisStart);
            var valueColumn = p.SampleTypes.Count == 0 ? 0 : columns[k][SampleSelection.ValueColumn(p)];
            var part = new SourcePart
            {
                Source = p.Source, Clock = p.Clock, OnUtcAxis = aligned, AxisShiftNs = shift, ValueColumn = valueColumn,
                StartTime = p.StartTime, DurationNs = p.DurationNs,
            };
            r.Parts.Add(part);
            long Axis(long t) => t == SampleTable.NoTime ? t : aligned ? p.Clock.ToUtc(t)!.Value : t + shift;

            var mapping = new int[p.Mappings.Count];
            foreach (var m in p.Mappings) mapping[m.Id] = r.AddMapping(m);
            var function = new int[p.Functions.Count];
            foreach (var f in p.Functions)
            {
                function[f.Id] = r.InternFunction(p.Strings[f.Name], p.Strings[f.SystemName], p.Strings[f.FileName]);
            }
            var location = new int[p.Locations.Count];
            foreach (var l in p.Locations)
            {
                var id = r.Locations.Count;
                var loc = new Location
                {
                    Id = id, MappingId = (uint)l.MappingId < (uint)mapping.Length ? mapping[l.MappingId] : -1, Address = l.Address,
                    IsReturnAddress = l.IsReturnAddress, SymbolOffset = l.SymbolOffset, IsFolded = l.IsFolded,
                };
                foreach (var line in l.Lines) loc.Lines.Add(line with { FunctionId = function[line.FunctionId] });
                r.Locations.Add(loc);
                location[l.Id] = id;
            }
            var stack = new int[p.Stacks.Count];
            for (var s = 0; s < stack.Length; s++)
            {
                var parent = p.Stacks.Parent(s);
                stack[s] = r.Stacks.Push(parent < 0 ? StackTable.Root : stack[parent], location[p.Stacks.Location(s)]);
            }
            var thread = new int[p.Threads.Count];
            foreach (var t in p.Threads)
            {
                thread[t.Id] = r.Threads.Count;
                r.Threads.Add(new ThreadInfo(r.Threads.Count, t.Pid, t.Tid, t.Name));
            }
            var evt = new int[Math.Max(p.Events.Count, 1)];
            if (p.Events.Count == 0)
            {
                // a source without events (pprof): one event named after the file, so outputs can tell its samples apart
                evt[0] = r.Events.Count;
                r.Events.Add(new EventInfo { Name = Path.GetFileName(p.Source.File), PeriodUnit = p.SampleTypes.Count > 0 ? p.SampleTypes[^1].Unit : "count" });
            }
            for (var e = 0; e < p.Events.Count; e++)
            {
                evt[e] = r.Events.Count;
                r.Events.Add(p.Events[e]);
            }
            var samples = p.Samples;
            for (var i = 0; i < samples.Count; i++)
            {
                Array.Clear(values);
                var v = samples.Values(i);
                for (var c = 0; c < v.Length; c++) values[columns[k][c]] = v[c];
                var st = samples.Stack(i) < 0 ? StackTable.Root : stack[samples.Stack(i)];
                var th = (uint)samples.Thread(i) < (uint)thread.Length ? thread[samples.Thread(i)] : -1;
                var ev = (uint)samples.Event(i) < (uint)evt.Length ? evt[samples.Event(i)] : evt[0];
                var labels = samples.Labels(i);
                r.Samples.Add(st, th, Axis(samples.Time(i)), values, ev, samples.Cpu(i), labels.IsEmpty ? null : labels.ToArray(), k);
            }
            foreach (var mk in p.Marks)
                r.Marks.Add(mk with { Time = Axis(mk.Time), Thread = (uint)mk.Thread < (uint)thread.Length ? thread[mk.Thread] : -1, Part = k });
            r.Histograms.AddRange(p.Histograms);
            foreach (var (key, n) in p.Diagnostics.Counters) r.Diagnostics.Count(key, n);
            if (p.StartTime is { } st0 && Axis(st0) is var a0 && (r.StartTime is null || a0 < r.StartTime)) r.StartTime = a0;
        }
        return r;
    }

    /// <summary>The earliest timestamp of a profile's samples and marks, null when it has none.</summary>
    public static long? First(Profile p)
    {
        var min = long.MaxValue;
        for (var i = 0; i < p.Samples.Count; i++)
        {
            var t = p.Samples.Time(i);
            if (t != SampleTable.NoTime && t < min) min = t;
        }
        foreach (var m in p.Marks) if (m.Time != SampleTable.NoTime && m.Time < min) min = m.Time;
        return min == long.MaxValue ? null : min;
    }
}
