using System.Globalization;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Html;
using Stackweave.Formats.Model;
using Stackweave.Formats.Svg;
using Stackweave.Merge.Pprof;
using Stackweave.Merge.Symbols;

namespace Stackweave.Cli;

public static partial class Commands
{
    private static double Number(CliArgs a, string option, double fallback)
    {
        var v = a.Value(option);
        if (v is null) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= 0
            ? d : throw new UsageException($"option {option} needs a number of pixels, not '{v}'");
    }

    /// <summary>What a folded weight counts, for tooltips: the value column's unit ("samples" for counts).</summary>
    private static string CountName(Profile profile, int? valueIndex)
    {
        // perf events: the folded weight is the period perf printed, in the event's period unit (nanoseconds for cpu-clock)
        if (profile.Events.Count > 0 && valueIndex is null)
            return profile.Events[0].PeriodUnit is "count" or "" ? "period" : profile.Events[0].PeriodUnit;
        if (profile.SampleTypes.Count == 0) return "samples";
        var st = profile.SampleTypes[Math.Clamp(valueIndex ?? profile.SampleTypes.Count - 1, 0, profile.SampleTypes.Count - 1)];
        return st.Unit is "count" or "" ? "samples" : st.Unit;
    }

    private static void WriteSvg(RunContext ctx, Profile profile, FoldedOptions folded, SymbolOptions symbols, OutputTarget target)
    {
        var a = ctx.Args;
        var options = new SvgOptions
        {
            Folded = folded, Title = a.Value("--title"), Width = Number(a, "--width", 1200), MinWidth = Number(a, "--min-width", 0.1),
            Icicle = a.Has("--icicle"), CountName = CountName(profile, folded.ValueIndex), MaxFrames = (int)Math.Clamp(a.Int("--max-frames", 10_000), 0, int.MaxValue),
        };
        Profile? baseProfile = null;
        if (a.Value("--diff") is { } basePath)
        {
            using (Progress.Start(ctx.Stderr, basePath)) baseProfile = FormatRegistry.Read(basePath, ctx.ReadOptions with { AggregateSamples = true });
            Symbolizer.Symbolize(baseProfile, symbols);
            FramePruner.Apply(baseProfile);
        }
        SvgResult result;
        try { result = SvgFlameGraphWriter.Write(profile, target.Writer, options, baseProfile); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (result.Folded?.SkippedNote() is { } note) ctx.Stderr.WriteLine("stackweave: " + note);
        if (a.Has("--verbose"))
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: svg: {result.Frames} frames, {result.Merged} placeholders for narrow runs, {result.Omitted} frames narrower than {result.EffectiveMinWidth:0.###} px left out"));
    }

    private static void WriteHtml(RunContext ctx, List<Profile> profiles, OutputTarget target)
    {
        var a = ctx.Args;
        var options = new HtmlOptions
        {
            Folded = FoldedOptionsOf(a, null), Title = a.Value("--title"), Buckets = (int)Math.Clamp(a.Int("--buckets", 2000), 1, 100_000),
            Width = Number(a, "--width", 1200),
            // every source on UTC when every clock was placed there (the alignment pass ran before); otherwise each on its own
            // clock. A drifting clock is placed by its offset at the pivot (drifts are ppm: microseconds over a capture).
            Placement = profiles.All(p => p.Clock.IsAligned)
                ? p => new SourcePlacement(p.Clock.OffsetToUtcNs!.Value, p.Clock.AlignedBy ?? p.Clock.Derivation.ToString(), true,
                    p.Clock.ResidualNs is { } r ? FormattableString.Invariant($"{r / 1000:0.0} µs ({p.Clock.ResidualBasis ?? FormattableString.Invariant($"{p.Clock.Matches} matched events")})") : null)
                : null,
        };
        HtmlResult result;
        try { result = HtmlTimelineWriter.Write(profiles, target.Writer, options); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (a.Has("--verbose"))
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: html: {result.Lanes} lanes, {result.Cells} (lane, bucket, stack) cells, {result.Marks} marks"));
    }
}
