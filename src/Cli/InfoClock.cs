using System.Text.Json;
using Stackweave.Formats.Model;
using Stackweave.Merge.Clock;
using Stackweave.Merge.Timeline;

namespace Stackweave.Cli;

public static partial class Commands
{
    /// <summary>The time range of a profile's timed samples and marks on its own clock, null when it has none.</summary>
    private static (long First, long Last)? TimeRange(Profile p)
    {
        if (TimelineMerger.First(p) is not { } first) return null;
        var last = long.MinValue;
        for (var i = 0; i < p.Samples.Count; i++) last = Math.Max(last, p.Samples.Time(i));
        foreach (var m in p.Marks) last = Math.Max(last, m.Time);
        return (first, last);
    }

    private static int TimedCount(Profile p)
    {
        var n = 0;
        for (var i = 0; i < p.Samples.Count; i++) if (p.Samples.Time(i) != SampleTable.NoTime) n++;
        return n;
    }

    /// <summary>info for an input that is not perf.data: format, sample types, counts, then its clock and alignment.</summary>
    private static void ProfileInfoText(TextWriter w, Profile p)
    {
        w.WriteLine($"# file: {p.Source.File}");
        w.WriteLine($"# format: {p.Source.Format}");
        if (p.Source.Hostname is not null) w.WriteLine($"# hostname: {p.Source.Hostname}");
        if (p.Source.CommandLine is not null) w.WriteLine($"# cmdline: {p.Source.CommandLine}");
        w.WriteLine($"# sample types: {string.Join(", ", p.SampleTypes.Select(t => t.Type + "/" + t.Unit))}");
        if (p.Events.Count > 0) w.WriteLine($"# events: {string.Join(", ", p.Events.Select(e => e.Name))}");
        w.WriteLine(Inv($"# samples: {p.Samples.Count} ({TimedCount(p)} with a time), marks: {p.Marks.Count}, threads: {p.Threads.Count}, histograms: {p.Histograms.Count}"));
        AlignmentText(w, p);
        if (p.Diagnostics.Counters.Count > 0)
        {
            w.WriteLine("# diagnostics:");
            foreach (var kv in p.Diagnostics.Counters) w.WriteLine(Inv($"#   {kv.Key}: {kv.Value}"));
        }
    }

    /// <summary>The clock lines of info: domain, UTC mapping, how it was derived, the residual of an estimate, the UTC range.</summary>
    private static void AlignmentText(TextWriter w, Profile p)
    {
        var c = p.Clock;
        w.WriteLine($"# source clock: {ClockAligner.DomainName(c.Domain)}");
        if (c.Window is { } win)
            w.WriteLine(Inv($"# window: {TimeText.FormatUtc(win.StartUtcNs)} for {win.DurationNs / 1e9:0.#########} s (no per-sample times)"));
        if (!c.IsAligned)
        {
            w.WriteLine("# utc mapping: none — kept on its own time axis");
            if (TimeRange(p) is { } raw) w.WriteLine(Inv($"# time range (source clock): {raw.First} – {raw.Last} ns"));
            return;
        }
        var mapping = Inv($"utc = t {(c.OffsetToUtcNs >= 0 ? "+" : "-")} {Math.Abs(c.OffsetToUtcNs!.Value)} ns");
        if (c.Drift != 0) mapping += Inv($" + {c.Drift * 1e9:0.###} ppb × (t − {c.PivotNs})");
        w.WriteLine($"# utc mapping: {mapping}");
        w.WriteLine($"# derived by: {c.AlignedBy} [{c.Derivation}]");
        if (c.ResidualNs is { } r)
            w.WriteLine(Inv($"# residual: {TimeText.FormatDuration(r).TrimStart('+')} ({c.ResidualBasis ?? Inv($"1.4826 × MAD over {c.Matches} matched events")})"));
        foreach (var pc in c.Printed)
            w.WriteLine(Inv($"# wall-clock text: {pc.Count} {(pc.Kind == PrintedClockKind.Time ? "time()" : "strftime()")} lines{(pc.HasDate ? "" : " without a date")}, offset {(pc.Consistent ? "interval" : "readings disagree by")} {Math.Abs(pc.HighNs - pc.LowNs)} ns"));
        if (TimeRange(p) is { } tr)
            w.WriteLine($"# utc range: {TimeText.FormatUtc(c.ToUtc(tr.First)!.Value)} – {TimeText.FormatUtc(c.ToUtc(tr.Last)!.Value)}");
    }

    private static void ProfileInfoJson(Utf8JsonWriter j, Profile p)
    {
        j.WriteStartObject();
        j.WriteString("file", p.Source.File);
        j.WriteString("format", p.Source.Format);
        if (p.Source.Hostname is not null) j.WriteString("hostname", p.Source.Hostname);
        j.WriteStartArray("sampleTypes");
        foreach (var t in p.SampleTypes) j.WriteStringValue(t.Type + "/" + t.Unit);
        j.WriteEndArray();
        j.WriteStartArray("events");
        foreach (var e in p.Events) j.WriteStringValue(e.Name);
        j.WriteEndArray();
        j.WriteNumber("samples", p.Samples.Count);
        j.WriteNumber("timedSamples", TimedCount(p));
        j.WriteNumber("marks", p.Marks.Count);
        j.WriteNumber("threads", p.Threads.Count);
        AlignmentJson(j, p);
        j.WriteStartObject("diagnostics");
        foreach (var kv in p.Diagnostics.Counters) j.WriteNumber(kv.Key, kv.Value);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void AlignmentJson(Utf8JsonWriter j, Profile p)
    {
        var c = p.Clock;
        j.WriteStartObject("alignment");
        j.WriteString("sourceClock", ClockAligner.DomainName(c.Domain));
        j.WriteString("derivation", c.Derivation.ToString());
        if (c.AlignedBy is not null) j.WriteString("derivedBy", c.AlignedBy);
        if (c.OffsetToUtcNs is { } off) j.WriteNumber("offsetToUtcNs", off);
        if (c.Drift != 0) { j.WriteNumber("drift", c.Drift); j.WriteNumber("pivotNs", c.PivotNs); }
        if (c.ResidualNs is { } r) { j.WriteNumber("residualNs", r); j.WriteNumber("matches", c.Matches); if (c.ResidualBasis is not null) j.WriteString("residualBasis", c.ResidualBasis); }
        if (c.Printed.Count > 0)
        {
            j.WriteStartArray("wallClockText");
            foreach (var pc in c.Printed)
            {
                j.WriteStartObject();
                j.WriteString("kind", pc.Kind == PrintedClockKind.Time ? "time" : "strftime");
                j.WriteBoolean("hasDate", pc.HasDate);
                j.WriteNumber("lines", pc.Count);
                j.WriteNumber("offsetLowNs", pc.LowNs);
                j.WriteNumber("offsetHighNs", pc.HighNs);
                j.WriteNumber("resolutionNs", pc.ResolutionNs);
                j.WriteEndObject();
            }
            j.WriteEndArray();
        }
        if (c.Window is { } w) { j.WriteNumber("windowStartUtcNs", w.StartUtcNs); j.WriteNumber("windowDurationNs", w.DurationNs); }
        if (TimeRange(p) is { } tr)
        {
            j.WriteNumber("firstNs", tr.First); j.WriteNumber("lastNs", tr.Last);
            if (c.IsAligned) { j.WriteNumber("firstUtcNs", c.ToUtc(tr.First)!.Value); j.WriteNumber("lastUtcNs", c.ToUtc(tr.Last)!.Value); }
        }
        j.WriteEndObject();
    }
}
