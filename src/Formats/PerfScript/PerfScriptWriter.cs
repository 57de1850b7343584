using System.Text;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfScript;

/// <summary>Options of the perf-script text writer.</summary>
public sealed class PerfScriptOptions
{
    /// <summary>Field list to print like (default: <c>perf script</c> with no <c>-F</c>).</summary>
    public PerfScriptFields Fields { get; set; } = PerfScriptFields.Default;
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
        var layout = new PerfScriptLayout(profile, (options ?? new PerfScriptOptions()).Fields);
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
                        var one = new StringBuilder(96).Append('\t');
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
}
