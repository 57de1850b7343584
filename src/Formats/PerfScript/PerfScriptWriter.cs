using System.Globalization;
using System.Text;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfScript;

/// <summary>Options of the perf-script text writer.</summary>
public sealed class PerfScriptOptions
{
    /// <summary>Field list to print like (default: <c>perf script</c> with no <c>-F</c>).</summary>
    public PerfScriptFields Fields { get; set; } = PerfScriptFields.Default;
    /// <summary>
    /// Print a location's inlined frames (all its lines but the last, innermost first) before its own line, as
    /// <c>perf script --inline</c> does: <c>%16x name+0xoff (inlined)</c>, no dso.
    /// </summary>
    public bool Inline { get; set; }
}

/// <summary>
/// Writes samples as perf 6.1's <c>perf script</c> prints them: a header line per sample
/// (<c>comm tid [cpu] time: period event:</c>, tracepoints with their field text), then one
/// <c>\t%16x sym+0xoff (dso)</c> line per callchain entry and a blank line.
/// </summary>
public static class PerfScriptWriter
{
    /// <summary>Writes the samples of <paramref name="profile"/> to a stream as UTF-8.</summary>
    public static void Write(Profile profile, Stream output, PerfScriptOptions? options = null)
    {
        using var w = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        Write(profile, w, options);
        w.Flush();
    }

    /// <summary>Writes the samples of <paramref name="profile"/> in time order as perf script text.</summary>
    public static void Write(Profile profile, TextWriter output, PerfScriptOptions? options = null)
    {
        options ??= new PerfScriptOptions();
        var layout = new PerfScriptLayout(profile, options.Fields);
        var samples = profile.Samples;
        var sb = new StringBuilder(4096);
        var locs = new List<int>();
        // Each distinct (location, offset?) line is formatted once.
        var lineCache = new Dictionary<(int, bool), string>();
        for (var i = 0; i < samples.Count; i++)
        {
            sb.Clear();
            layout.AppendHeader(sb, i);
            var evt = samples.Event(i);
            var f = layout.FieldsOf(evt);
            var withOffset = (f & OutField.SymOff) != 0;
            profile.Stacks.LeafFirst(samples.Stack(i), locs);
            if (layout.PrintsCallchain(evt))
            {
                // builtin-script.c process_event: '\n' before the callchain, sample__fprintf_callchain's lines, then "\n".
                sb.Append('\n');
                foreach (var l in locs)
                {
                    if (!lineCache.TryGetValue((l, withOffset), out var text))
                    {
                        var one = new StringBuilder(96);
                        if (options.Inline) AppendInlined(one, profile, layout, l, withOffset);
                        one.Append('\t');
                        layout.AppendFrame(one, l, withOffset);
                        text = one.Append('\n').ToString();
                        lineCache[(l, withOffset)] = text;
                    }
                    sb.Append(text);
                }
            }
            else if ((f & OutField.Ip) != 0 && locs.Count > 0)
            {
                // Without a callchain the sample's own ip goes on the header line after a blank.
                sb.Append(' ');
                layout.AppendFrame(sb, locs[0], withOffset);
            }
            sb.Append('\n');
            output.Write(sb);
        }
    }

    /// <summary>
    /// perf 6.1 util/evsel_fprintf.c sample__fprintf_callchain for the fake symbols util/srcline.c makes for inlined frames:
    /// the same address, the name with the offset from the real symbol's start, " (inlined)" and no dso.
    /// </summary>
    private static void AppendInlined(StringBuilder sb, Profile profile, PerfScriptLayout layout, int locationId, bool withOffset)
    {
        var loc = profile.Locations[locationId];
        if (loc.IsFolded || loc.Lines.Count < 2) return;
        for (var k = 0; k < loc.Lines.Count - 1; k++)
        {
            sb.Append('\t');
            var hex = layout.PrintedAddress(loc).ToString("x", CultureInfo.InvariantCulture);
            if (hex.Length < 16) sb.Append(' ', 16 - hex.Length);
            sb.Append(hex).Append(' ').Append(profile.FunctionName(loc.Lines[k].FunctionId));
            if (withOffset) sb.Append("+0x").Append(loc.SymbolOffset.ToString("x", CultureInfo.InvariantCulture));
            sb.Append(" (inlined)\n");
        }
    }
}
