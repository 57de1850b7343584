using Stackweave.Formats.Model;

namespace Stackweave.Formats.Speedscope;

/// <summary>How a sample is weighted in outputs that weigh samples.</summary>
public enum WeightMode
{
    /// <summary>The sample's value: perf's period (nanoseconds for time-based events), pprof's/bpftrace's chosen value.</summary>
    Period,
    /// <summary>Every sample counts 1.</summary>
    Count,
}

/// <summary>Which samples of a profile a writer uses: one event (the first in time order, or a named one) or all.</summary>
public sealed class SampleSelection
{
    private readonly bool[] _keep;
    private readonly bool _keepUnknown;

    private SampleSelection(bool[] keep, bool keepUnknown, List<int> events, int valueIndex)
    {
        _keep = keep; _keepUnknown = keepUnknown; Events = events; ValueIndex = valueIndex;
    }

    /// <summary>Event indexes written, in order of first use (empty when the profile names no events).</summary>
    public IReadOnlyList<int> Events { get; }

    /// <summary>The value column that weighs a sample (perf's <c>period</c>, else the last sample type, pprof's default).</summary>
    public int ValueIndex { get; }

    /// <summary>True when samples of event <paramref name="evt"/> are written.</summary>
    public bool Keeps(int evt) => (uint)evt < (uint)_keep.Length ? _keep[evt] : _keepUnknown;

    /// <summary>
    /// Chooses the samples to write: those of <paramref name="eventName"/> when given, of every event with
    /// <paramref name="allEvents"/>, else of the event of the earliest timestamped sample (the first sample when none
    /// has a time), as stackcollapse-perf.pl keeps the first event it meets.
    /// </summary>
    /// <exception cref="ArgumentException">No event of the profile has that name.</exception>
    public static SampleSelection Choose(Profile profile, string? eventName, bool allEvents)
    {
        var n = profile.Events.Count;
        var keep = new bool[n];
        var events = new List<int>();
        var samples = profile.Samples;
        if (n == 0 && eventName is not null)
            throw new ArgumentException($"no event named '{eventName}' (the input names no events)", nameof(eventName));
        if (n == 0 || allEvents)
        {
            Array.Fill(keep, true);
            var seen = new bool[n];
            for (var i = 0; i < samples.Count; i++)
            {
                var e = samples.Event(i);
                if ((uint)e < (uint)n && !seen[e]) { seen[e] = true; events.Add(e); }
            }
            return new SampleSelection(keep, true, events, ValueColumn(profile));
        }
        int chosen;
        if (eventName is not null)
        {
            chosen = profile.Events.FindIndex(e => string.Equals(e.Name, eventName, StringComparison.Ordinal));
            if (chosen < 0)
                throw new ArgumentException($"no event named '{eventName}' (events: {string.Join(", ", profile.Events.Select(e => e.Name))})", nameof(eventName));
        }
        else
        {
            chosen = -1;
            var best = long.MaxValue;
            for (var i = 0; i < samples.Count; i++)
            {
                var t = samples.Time(i);
                if (t != SampleTable.NoTime && t < best) { best = t; chosen = samples.Event(i); }
            }
            if (chosen < 0 && samples.Count > 0) chosen = samples.Event(0);
        }
        if ((uint)chosen < (uint)n) { keep[chosen] = true; events.Add(chosen); }
        return new SampleSelection(keep, false, events, ValueColumn(profile));
    }

    /// <summary>The value column that weighs samples: the one typed <c>period</c> (perf), else the one <see cref="Profile.DefaultSampleType"/> names (pprof default_sample_type), else the last one.</summary>
    public static int ValueColumn(Profile profile)
    {
        for (var k = 0; k < profile.SampleTypes.Count; k++)
            if (profile.SampleTypes[k].Type == "period") return k;
        if (profile.DefaultSampleType is { } d)
            for (var k = 0; k < profile.SampleTypes.Count; k++)
                if (string.Equals(profile.SampleTypes[k].Type, d, StringComparison.Ordinal)) return k;
        return profile.SampleTypes.Count - 1;
    }

    /// <summary>
    /// Nanoseconds to add to the source clock for UTC: the aligned offset, else the reference pair the capture recorded
    /// (perf CLOCK_DATA: wall clock and clockid time read together, as <c>perf script -F tod</c> uses it); null when neither is known.
    /// </summary>
    public static long? UtcOffset(Profile profile)
        => profile.Clock.OffsetToUtcNs ?? (profile.Clock.Reference is { } r ? r.WallNs - r.ClockNs : null);

    /// <summary>The weight of sample <paramref name="i"/> under <paramref name="mode"/>.</summary>
    public long Weight(Profile profile, int i, WeightMode mode)
    {
        if (mode == WeightMode.Count || ValueIndex < 0) return 1;
        // a timeline merge weighs each input's samples by that input's own value column
        if (profile.Parts.Count > 1) return profile.Samples.Values(i)[profile.Parts[profile.Samples.Part(i)].ValueColumn];
        return profile.Samples.Values(i)[ValueIndex];
    }
}
