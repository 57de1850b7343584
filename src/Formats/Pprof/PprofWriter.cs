using System.IO.Compression;
using System.Text;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Pprof;

/// <summary>Options of the pprof writer.</summary>
public sealed record PprofWriteOptions
{
    /// <summary>Compress with gzip, as Go and pprof write profiles. Default true.</summary>
    public bool Gzip { get; init; } = true;
}

/// <summary>
/// Writes the neutral model as a pprof profile (profile.proto) that <c>go tool pprof</c> reads. Samples with the same
/// stack, thread, event and labels are summed into one. Profiles made from perf.data are laid out as Google's
/// perf_to_profile does: sample types <c>samples/count</c> and <c>&lt;event&gt;/&lt;unit&gt;</c> per event, string label
/// <c>comm</c> and numeric labels <c>pid</c>, <c>tid</c>; mappings with build ids; symbolized locations with their lines.
/// Top-level fields are streamed to the output as they are made; the string table comes last (as Go writes it).
/// </summary>
public static class PprofWriter
{
    /// <summary>Writes <paramref name="profile"/> to <paramref name="output"/> (left open).</summary>
    public static void Write(Profile profile, Stream output, PprofWriteOptions? options = null)
    {
        options ??= new PprofWriteOptions();
        if (options.Gzip)
        {
            using var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
            new Emitter(profile, gz).Run();
        }
        else new Emitter(profile, output).Run();
    }

    /// <summary>True when the profile has perf's layout (samples/count, period/count per event) and is written the perf_to_profile way.</summary>
    public static bool IsPerfLayout(Profile p)
        => p.Events.Count > 0 && p.SampleTypes.Count == 2
           && p.SampleTypes[0] == new SampleType("samples", "count") && p.SampleTypes[1] == new SampleType("period", "count");

    /// <summary>
    /// An event's name as a sample type: without perf's modifier suffix (<c>cpu-clock:ppp</c> → <c>cpu-clock</c>; the
    /// letters of tools/perf/util/parse-events.l's modifier_event u k h H G p P S D I W e), tracepoints (<c>sched:x</c>) kept.
    /// </summary>
    public static string EventTypeName(string name)
    {
        var colon = name.IndexOf(':');
        if (colon <= 0 || colon != name.LastIndexOf(':') || colon == name.Length - 1) return name;
        foreach (var c in name.AsSpan(colon + 1))
            if ("ukhHGpPSDIWe".IndexOf(c) < 0) return name;
        return name[..colon];
    }

    private sealed class Emitter(Profile p, Stream output)
    {
        private readonly ProtoWriter _top = new();
        private readonly ProtoWriter _msg = new();
        private readonly ProtoWriter _sub = new();
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal) { [""] = 0 };
        private readonly List<string> _stringList = [""];

        private long S(string? s)
        {
            if (string.IsNullOrEmpty(s)) return 0;
            if (_strings.TryGetValue(s, out var id)) return id;
            id = _stringList.Count;
            _stringList.Add(s);
            _strings.Add(s, id);
            return id;
        }

        private void EmitMessage(int field)
        {
            _top.Bytes(field, _msg.Written);
            _msg.Clear();
            if (_top.Length >= 1 << 16) Flush();
        }

        private void Flush()
        {
            output.Write(_top.Written);
            _top.Clear();
        }

        private void ValueType(int field, SampleType t)
        {
            _msg.Int(PprofFields.ValueTypeType, S(t.Type));
            _msg.Int(PprofFields.ValueTypeUnit, S(t.Unit));
            EmitMessage(field);
        }

        public void Run()
        {
            var perf = IsPerfLayout(p);
            var types = new List<SampleType>();
            if (perf)
            {
                types.Add(new SampleType("samples", "count"));
                foreach (var e in p.Events) types.Add(new SampleType(EventTypeName(e.Name), e.PeriodUnit));
            }
            else types.AddRange(p.SampleTypes);
            foreach (var t in types) ValueType(PprofFields.SampleType, t);

            Samples(perf, types.Count);
            Mappings();
            Locations();
            Functions();

            _top.Int(PprofFields.DropFrames, S(p.DropFrames));
            _top.Int(PprofFields.KeepFrames, S(p.KeepFrames));
            _top.Int(PprofFields.TimeNanos, TimeNanos());
            _top.Int(PprofFields.DurationNanos, DurationNanos());
            SampleType? periodType = p.PeriodType;
            var period = p.Period;
            if (perf && periodType is null && p.Events.Count > 0)
            {
                var e = p.Events[0];
                periodType = new SampleType(EventTypeName(e.Name), e.PeriodUnit);
                period = e.Freq ? 0 : (long)e.PeriodOrFreq;
            }
            if (periodType is { } pt) ValueType(PprofFields.PeriodType, pt);
            _top.Int(PprofFields.Period, period);
            foreach (var c in p.Comments)
            {
                // comment is a repeated int64: one unpacked field per comment keeps the order obvious.
                _top.Tag(PprofFields.Comment, WireType.Varint);
                _top.Varint((ulong)S(c));
            }
            var dflt = p.DefaultSampleType ?? (perf && p.Events.Count > 0 ? EventTypeName(p.Events[0].Name) : null);
            _top.Int(PprofFields.DefaultSampleType, S(dflt));
            _top.Int(PprofFields.DocUrl, S(p.DocUrl));
            foreach (var s in _stringList)
            {
                _top.String(PprofFields.StringTable, s);
                if (_top.Length >= 1 << 16) Flush();
            }
            Flush();
        }

        private long TimeNanos()
        {
            if (p.StartTime is not { } t) return FirstSampleTimeUtc() ?? 0;
            return ToUtc(t) ?? 0;
        }

        private long? ToUtc(long t)
        {
            if (p.Clock.Domain == ClockDomain.Realtime) return t + (p.Clock.OffsetToUtcNs ?? 0);
            if (p.Clock.ToUtc(t) is { } utc) return utc;
            if (p.Clock.Reference is { } r) return t - r.ClockNs + r.WallNs;
            return null;
        }

        private long? FirstSampleTimeUtc()
        {
            var min = long.MaxValue;
            for (var i = 0; i < p.Samples.Count; i++)
            {
                var t = p.Samples.Time(i);
                if (t != SampleTable.NoTime && t < min) min = t;
            }
            return min == long.MaxValue ? null : ToUtc(min);
        }

        private long DurationNanos()
        {
            if (p.DurationNs != 0) return p.DurationNs;
            long min = long.MaxValue, max = long.MinValue;
            for (var i = 0; i < p.Samples.Count; i++)
            {
                var t = p.Samples.Time(i);
                if (t == SampleTable.NoTime) continue;
                if (t < min) min = t;
                if (t > max) max = t;
            }
            return max >= min ? max - min : 0;
        }

        private void Samples(bool perf, int nTypes)
        {
            var samples = p.Samples;
            // Sum samples with the same (stack, thread, event, label set): keys are interned label sets.
            var labelSetIds = new Dictionary<string, int>(StringComparer.Ordinal);
            var labelSets = new List<Label[]>();
            var key = new StringBuilder();
            var agg = new Dictionary<(int Stack, int Thread, int Event, int Labels), int>();
            var order = new List<(int Stack, int Thread, int Event, int Labels)>();
            var sums = new List<long[]>();
            for (var i = 0; i < samples.Count; i++)
            {
                var labels = samples.Labels(i);
                var ls = -1;
                if (!labels.IsEmpty)
                {
                    key.Clear();
                    foreach (var l in labels)
                        key.Append(l.Key).Append('\0').Append(l.Str is null ? 'n' : 's').Append(l.Str).Append('\0')
                            .Append(l.Num).Append('\0').Append(l.NumUnit).Append('\u0001');
                    var k = key.ToString();
                    if (!labelSetIds.TryGetValue(k, out ls))
                    {
                        ls = labelSets.Count;
                        labelSets.Add(labels.ToArray());
                        labelSetIds.Add(k, ls);
                    }
                }
                var evt = perf ? samples.Event(i) : 0;
                var sk = (samples.Stack(i), samples.Thread(i), evt, ls);
                if (!agg.TryGetValue(sk, out var slot))
                {
                    slot = sums.Count;
                    agg.Add(sk, slot);
                    order.Add(sk);
                    sums.Add(new long[nTypes]);
                }
                var sum = sums[slot];
                var v = samples.Values(i);
                if (perf)
                {
                    sum[0] += v[0];
                    if ((uint)evt < (uint)(nTypes - 1)) sum[1 + evt] += v[1];
                }
                else for (var k = 0; k < nTypes && k < v.Length; k++) sum[k] += v[k];
            }

            var locs = new List<int>();
            var ids = new ulong[64];
            var vals = new ulong[nTypes];
            for (var n = 0; n < order.Count; n++)
            {
                var (stack, thread, _, ls) = order[n];
                p.Stacks.LeafFirst(stack, locs);
                if (ids.Length < locs.Count) ids = new ulong[locs.Count * 2];
                for (var k = 0; k < locs.Count; k++) ids[k] = (ulong)locs[k] + 1;
                _msg.Packed(PprofFields.SampleLocationId, ids.AsSpan(0, locs.Count));
                var sum = sums[n];
                for (var k = 0; k < nTypes; k++) vals[k] = (ulong)sum[k];
                _msg.Packed(PprofFields.SampleValue, vals);
                if ((uint)thread < (uint)p.Threads.Count)
                {
                    var th = p.Threads[thread];
                    Label(new Label("comm", th.Name));
                    Label(new Label("pid", null, th.Pid));
                    Label(new Label("tid", null, th.Tid));
                }
                if (ls >= 0)
                    foreach (var l in labelSets[ls]) Label(l);
                EmitMessage(PprofFields.Sample);
            }
        }

        private void Label(Label l)
        {
            _sub.Int(PprofFields.LabelKey, S(l.Key));
            if (l.Str is not null)
            {
                // An empty string value has string index 0, which pprof reads as "no string": such a label does not survive.
                _sub.Int(PprofFields.LabelStr, S(l.Str));
            }
            else
            {
                // A numeric label of 0 without a unit reads back as no label at all (pprof postDecode): pprof cannot carry it.
                _sub.Int(PprofFields.LabelNum, l.Num);
                _sub.Int(PprofFields.LabelNumUnit, S(l.NumUnit));
            }
            _msg.Bytes(PprofFields.SampleLabel, _sub.Written);
            _sub.Clear();
        }

        private void Mappings()
        {
            // Flags: as read, or (for symbolized captures) whether any location in the mapping has frames.
            var hasFrames = new bool[p.Mappings.Count];
            foreach (var l in p.Locations)
                if (l.Lines.Count > 0 && (uint)l.MappingId < (uint)hasFrames.Length) hasFrames[l.MappingId] = true;
            foreach (var m in p.Mappings)
            {
                _msg.UInt(PprofFields.MappingId, (ulong)m.Id + 1);
                _msg.UInt(PprofFields.MappingStart, m.Start);
                _msg.UInt(PprofFields.MappingLimit, m.Limit);
                _msg.UInt(PprofFields.MappingOffset, m.FileOffset);
                _msg.Int(PprofFields.MappingFilename, S(m.Path));
                _msg.Int(PprofFields.MappingBuildId, S(m.BuildId));
                _msg.Bool(PprofFields.MappingHasFunctions, m.HasFunctions || hasFrames[m.Id]);
                _msg.Bool(PprofFields.MappingHasFilenames, m.HasFilenames);
                _msg.Bool(PprofFields.MappingHasLineNumbers, m.HasLineNumbers);
                _msg.Bool(PprofFields.MappingHasInlineFrames, m.HasInlineFrames);
                EmitMessage(PprofFields.Mapping);
            }
        }

        private void Locations()
        {
            foreach (var l in p.Locations)
            {
                _msg.UInt(PprofFields.LocationId, (ulong)l.Id + 1);
                if ((uint)l.MappingId < (uint)p.Mappings.Count) _msg.UInt(PprofFields.LocationMappingId, (ulong)l.MappingId + 1);
                _msg.UInt(PprofFields.LocationAddress, l.Address);
                foreach (var line in l.Lines)
                {
                    _sub.UInt(PprofFields.LineFunctionId, (ulong)line.FunctionId + 1);
                    _sub.Int(PprofFields.LineLine, line.LineNumber);
                    _sub.Int(PprofFields.LineColumn, line.Column);
                    _msg.Bytes(PprofFields.LocationLine, _sub.Written);
                    _sub.Clear();
                }
                _msg.Bool(PprofFields.LocationIsFolded, l.IsFolded);
                EmitMessage(PprofFields.Location);
            }
        }

        private void Functions()
        {
            foreach (var f in p.Functions)
            {
                _msg.UInt(PprofFields.FunctionId, (ulong)f.Id + 1);
                _msg.Int(PprofFields.FunctionName, S(p.Strings[f.Name]));
                _msg.Int(PprofFields.FunctionSystemName, S(p.Strings[f.SystemName]));
                _msg.Int(PprofFields.FunctionFilename, S(p.Strings[f.FileName]));
                _msg.Int(PprofFields.FunctionStartLine, f.StartLine);
                EmitMessage(PprofFields.Function);
            }
        }
    }
}
