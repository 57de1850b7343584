using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats;
using Stackweave.Formats.Bpftrace;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Testing;

namespace Stackweave.Tests.Bpftrace;

/// <summary>Generated maps, stacks and histograms printed in bpftrace's text and JSON forms read back to the same values.</summary>
public class BpftracePropertyTests
{
    private static readonly ReadOptions s_options = new() { Bpftrace = new BpftraceOptions { KeepOffsets = true } };

    internal static Profile ReadText(string text, ReadOptions? o = null)
        => BpftraceTextReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "gen.txt", o ?? s_options);

    internal static Profile ReadJson(string text, ReadOptions? o = null)
        => BpftraceJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "gen.json", o ?? s_options);

    /// <summary>The profile's content as lines: samples (root-first frames, labels, value), histograms, comments, marks.</summary>
    internal static List<string> Dump(Profile p)
    {
        var lines = new List<string>();
        var locs = new List<int>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            locs.Reverse();
            var frames = locs.Select(l => p.Locations[l].Lines.Count > 0 ? p.FunctionName(p.Locations[l].Lines[^1].FunctionId)
                                                                          : "0x" + p.Locations[l].Address.ToString("x", CultureInfo.InvariantCulture));
            var labels = p.Samples.Labels(i).ToArray().Select(l => l.Key + "=" + (l.Str ?? l.Num.ToString(CultureInfo.InvariantCulture)));
            lines.Add("S " + string.Join(";", frames) + " {" + string.Join(",", labels) + "} " + p.Samples.Values(i)[0].ToString(CultureInfo.InvariantCulture));
        }
        foreach (var h in p.Histograms)
            lines.Add("H " + h.Map + "[" + h.Key + "] " + string.Join(" ", h.Buckets.Select(b => FormattableString.Invariant($"{b.Lo?.ToString(CultureInfo.InvariantCulture) ?? "-"}:{b.Hi?.ToString(CultureInfo.InvariantCulture) ?? "-"}={b.Count}"))));
        foreach (var c in p.Comments) lines.Add("C " + c);
        foreach (var m in p.Marks) lines.Add(FormattableString.Invariant($"M {m.Time} {m.Name} {m.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"} {m.Text}"));
        return lines;
    }

    private static string FrameText(BtFrame f, BtStackMode mode)
        => mode == BtStackMode.Raw ? "0x" + f.Address.ToString("x", CultureInfo.InvariantCulture) : f.Name + "+" + f.Offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the readers must make of generated maps (computed from the generated values, not from any printed text).</summary>
    internal static List<string> Expected(BtMap[] maps, string[] printf)
    {
        var samples = new List<string>();
        var hists = new List<string>();
        var comments = new List<string>();
        var stackMaps = maps.Where(m => m.Kind is BtValueKind.Integer or BtValueKind.Stats && m.Entries.Any(e => e.Keys.Any(k => k.Stack is not null))).ToList();
        foreach (var m in maps)
        {
            foreach (var e in m.Entries)
            {
                string KeyText() => string.Join(", ", e.Keys.Select(k => k.Stack is { } s ? string.Join(";", s.Select(f => FrameText(f, m.Mode))) : k.Text));
                if (m.Kind is BtValueKind.Hist or BtValueKind.Lhist)
                {
                    hists.Add("H " + m.Name + "[" + (e.Keys.Count == 0 ? "" : KeyText()) + "] " + string.Join(" ", e.Buckets!.Select(b => FormattableString.Invariant($"{b.Lo?.ToString(CultureInfo.InvariantCulture) ?? "-"}:{b.Hi?.ToString(CultureInfo.InvariantCulture) ?? "-"}={b.Count}"))));
                    continue;
                }
                if (!stackMaps.Contains(m))
                {
                    var head = e.Keys.Count == 0 ? m.Name : m.Name + "[" + KeyText() + "]";
                    comments.Add("C " + (m.Kind == BtValueKind.Stats
                        ? FormattableString.Invariant($"{head}: count {e.StatsCount}, average {e.Value / e.StatsCount}, total {e.Value}")
                        : FormattableString.Invariant($"{head}: {e.Value}")));
                    continue;
                }
                var frames = new List<string>();
                if (stackMaps.Count > 1) frames.Add(m.Name);
                foreach (var k in e.Keys.Where(k => k.Stack is not null && !k.Kernel)) frames.AddRange(k.Stack!.Reverse().Select(f => FrameText(f, m.Mode)));
                foreach (var k in e.Keys.Where(k => k.Stack is not null && k.Kernel)) frames.AddRange(k.Stack!.Reverse().Select(f => FrameText(f, m.Mode)));
                var labels = e.Keys.Select((k, i) => (k, i)).Where(x => x.k.Stack is null)
                    .Select(x => "key" + (x.i + 1).ToString(CultureInfo.InvariantCulture) + "=" + x.k.Text);
                samples.Add("S " + string.Join(";", frames) + " {" + string.Join(",", labels) + "} " + e.Value.ToString(CultureInfo.InvariantCulture));
            }
        }
        var marks = new List<string>();
        foreach (var l in printf)
        {
            var sp = l.IndexOf(' ');
            var head = sp < 0 ? l : l[..sp];
            if (!head.All(char.IsAsciiDigit)) continue;
            var tokens = l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            var name = tokens.FirstOrDefault(t => !long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) ?? "printf";
            var value = tokens.Length >= 2 && long.TryParse(tokens[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "-";
            marks.Add("M " + head + " " + name + " " + value + " " + l);
        }
        return [.. samples, .. hists, .. comments, .. marks];
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(BpftracePropertyTests)], MaxTest = 300)]
    public void Text_and_json_read_back_the_generated_values((BtMap[] Maps, string[] Lines) capture)
    {
        var expected = Expected(capture.Maps, capture.Lines);
        var text = BpftraceRender.Text(capture.Maps, capture.Lines);
        var json = BpftraceRender.Json(capture.Maps, capture.Lines);
        var fromText = Dump(ReadText(text));
        var fromJson = Dump(ReadJson(json));
        Assert.Equal(expected, fromText);
        Assert.Equal(expected, fromJson);
        Assert.Equal(DetectResult.Yes, BpftraceFormat.Instance.Detect(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(DetectResult.Yes, BpftraceFormat.Instance.Detect(Encoding.UTF8.GetBytes(json)));
    }

    public static Arbitrary<(BtMap[] Maps, string[] Lines)> Captures() => BpftraceRender.Captures();

    private static readonly string[] s_pieces =
    [
        "@", "@a", "@x_1", "[", "]", "]: ", ": ", ", ", "\n", "\n", "\n", "    ", "\t", "ffffffff81000000 ", "0x7f00", "fib+12", " (/lib/x.so)",
        "count 3, average 1, total 3", "[1, 2)", "(..., 0)", "[4K, 8K)", "[0]", "   12 |@@@  |", "|", "Attaching 2 probes...", "Lost 3 events",
        "{\"type\": \"map\", \"data\": {\"@a\": {\"x,1\": 3}}}", "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 2}]}}",
        "{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 2, \"total\": 2}}}", "{\"type\": ", "\"data\"", "{", "}", "\"",
        "12345", "-7", "99999999999999999999", "é", "\r", "\0", "[", "...)", "1G", "2E",
    ];

    public static Arbitrary<string> Noise() =>
        Gen.OneOf(
                Gen.Elements(s_pieces).ArrayOf().Select(a => string.Concat(a)),
                ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""))
            .ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(BpftracePropertyTests)], MaxTest = 1000)]
    public void Arbitrary_text_only_gives_format_errors(string noise)
    {
        foreach (var salvage in new[] { false, true })
        {
            var o = new ReadOptions { Salvage = salvage, Bpftrace = new BpftraceOptions { Keys = ["pid", "_", "comm", "probe"] } };
            foreach (var read in new Func<string, ReadOptions, Profile>[] { (t, opt) => ReadText(t, opt), (t, opt) => ReadJson(t, opt) })
            {
                try { read(noise, o); }
                catch (CaptureFormatException) { Assert.False(salvage, "salvage keeps what parsed instead of throwing"); }
            }
        }
        BpftraceFormat.Instance.Detect(Encoding.UTF8.GetBytes(noise));
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(BpftracePropertyTests)], MaxTest = 200)]
    public void Generated_text_cut_anywhere_only_gives_format_errors((BtMap[] Maps, string[] Lines) capture, PositiveInt cut)
    {
        foreach (var full in new[] { BpftraceRender.Text(capture.Maps, capture.Lines), BpftraceRender.Json(capture.Maps, capture.Lines) })
        {
            var at = cut.Get % (full.Length + 1);
            var part = full[..at];
            var json = full[0] == '{';
            try { _ = json ? ReadJson(part) : ReadText(part); }
            catch (CaptureFormatException) { }
            var salvaged = json ? ReadJson(part, s_options with { Salvage = true }) : ReadText(part, s_options with { Salvage = true });
            // what is read before the cut is never more than the whole
            Assert.True(salvaged.Samples.Count <= (json ? ReadJson(full) : ReadText(full)).Samples.Count);
        }
    }
}
