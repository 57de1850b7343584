using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.Writer;

/// <summary>Stackweave's feature sections of the golden file-mode captures equal <c>perf report --header-only</c> and <c>perf buildid-list</c>.</summary>
public partial class ReaderHeaderTests
{
    public static TheoryData<string> FileNames() => new(GoldenCaptures.Names.Where(n => !n.Contains("pipe", StringComparison.Ordinal)));

    private static Dictionary<string, List<string>> Header(string name)
    {
        var d = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(PerfGolden.DataPath(name + ".header.txt")))
        {
            var m = HeaderLine().Match(line);
            if (!m.Success) continue;
            var key = m.Groups[1].Value.Trim();
            if (!d.TryGetValue(key, out var list)) d[key] = list = [];
            list.Add(m.Groups[2].Value);
        }
        return d;
    }

    private static string Usec(ulong ns)
    {
        var us = ns / 1000;
        return FormattableString.Invariant($"{us / 1_000_000}.{us % 1_000_000:D6}");
    }

    [Theory]
    [MemberData(nameof(FileNames))]
    public void FeaturesEqualPerfHeaderOnly(string name)
    {
        var path = PerfGolden.DataPath(name + ".data");
        using var s = File.OpenRead(path);
        using var f = PerfDataFile.Open(s, path, ReadOptions.Default);
        var h = Header(name);
        var ft = f.Features;
        Assert.Equal(h["hostname"][0], ft.Hostname);
        Assert.Equal(h["os release"][0], ft.OsRelease);
        Assert.Equal(h["perf version"][0], ft.Version);
        Assert.Equal(h["arch"][0], ft.Arch);
        Assert.Equal(h["nrcpus online"][0], ft.NrCpusOnline?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(h["nrcpus avail"][0], ft.NrCpusAvailable?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(h["cmdline"][0], string.Concat(ft.Cmdline!.Select(a => a + " ")));
        Assert.Equal(h.GetValueOrDefault("cpudesc")?[0], ft.CpuDesc);
        Assert.Equal(h.GetValueOrDefault("total memory")?[0], ft.TotalMemKb is { } kb ? FormattableString.Invariant($"{kb} kB") : null);

        // perf ends its EVENT_DESC list at the first attr whose size field is 0 (tools/perf/util/header.c
        // read_event_desc / print_event_desc), so a VER0 attr stored with size 0 prints no event line
        var events = h.GetValueOrDefault("event") ?? [];
        Assert.Equal(events.Count, f.Attrs.TakeWhile(a => a.Size != 0).Count());
        for (var i = 0; i < events.Count; i++)
        {
            var m = EventLine().Match(events[i]);
            Assert.True(m.Success, events[i]);
            Assert.Equal(m.Groups[1].Value, f.EventName(i));
            Assert.Equal(m.Groups[2].Value.Split(", ").Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)), f.Attrs[i].Ids);
            Assert.Equal(m.Groups[3].Value, f.Attrs[i].Size.ToString(CultureInfo.InvariantCulture));
        }

        if (h.TryGetValue("time of first sample", out var first))
        {
            Assert.Equal(first[0], Usec(ft.SampleTime!.Value.First));
            Assert.Equal(h["time of last sample"][0], Usec(ft.SampleTime.Value.Last));
        }
        else Assert.Null(ft.SampleTime);

        // perf prints 1000 / resolution_ns as "N MHz" (tools/perf/util/header.c print_clockid)
        if (h.TryGetValue("clockid frequency", out var freq))
            Assert.Equal(freq[0], FormattableString.Invariant($"{1000 / ft.ClockResolutionNs!.Value} MHz"));
        else Assert.Null(ft.ClockResolutionNs);

        if (h.TryGetValue("reference time", out var reference))
        {
            var m = ReferenceLine().Match(reference[0]);
            Assert.True(m.Success, reference[0]);
            var cd = ft.ClockData!.Value;
            Assert.Equal(m.Groups[1].Value, FormattableString.Invariant($"{cd.WallClockNs / 1_000_000_000}.{cd.WallClockNs % 1_000_000_000 / 1000:D6}"));
            Assert.Equal(m.Groups[2].Value, FormattableString.Invariant($"{cd.ClockIdTimeNs / 1_000_000_000}.{cd.ClockIdTimeNs % 1_000_000_000:D9}"));
            Assert.EndsWith(FormattableString.Invariant($"({cd.ClockId})"), h["clockid"][0], StringComparison.Ordinal);
        }
        else Assert.Null(ft.ClockData);

        // every feature perf calls missing is absent, every other one present
        var missing = h["missing features"][0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        for (var bit = PerfFeature.TracingData; bit <= PerfFeature.PmuCaps; bit++)
        {
            var perfName = PerfFeatureName(bit);
            Assert.True(missing.Contains(perfName) != ft.Present.Contains(bit), $"{name}: feature {perfName} missing in perf: {missing.Contains(perfName)}");
        }
    }

    [Theory]
    [InlineData("le-file-records")]
    [InlineData("be-file")]
    public void BuildIdsEqualPerfBuildidList(string name)
    {
        var path = PerfGolden.DataPath(name + ".data");
        using var s = File.OpenRead(path);
        using var f = PerfDataFile.Open(s, path, ReadOptions.Default);
        var perf = File.ReadAllLines(PerfGolden.DataPath(name + ".buildids.txt"));
        Assert.Equal(perf, f.Features.BuildIds.Select(b => b.BuildId + " " + b.Filename));
    }

    /// <summary>The name perf 6.1 prints for a feature (tools/perf/util/header.c feat_ops[].name).</summary>
    private static string PerfFeatureName(PerfFeature f) => f switch
    {
        PerfFeature.OsRelease => "OSRELEASE",
        PerfFeature.NrCpus => "NRCPUS",
        PerfFeature.CpuDesc => "CPUDESC",
        PerfFeature.CpuId => "CPUID",
        PerfFeature.ClockId => "CLOCKID",
        PerfFeature.Auxtrace => "AUXTRACE",
        _ => PascalWord().Replace(f.ToString(), "$1_$2").ToUpperInvariant(),
    };

    [GeneratedRegex(@"^# ([a-z][a-z ]*?) ?: (.*)$")] private static partial Regex HeaderLine();
    [GeneratedRegex(@"^name = ([^,]+), .*?id = \{ ([0-9, ]+) \}, (?:.*?, )?size = (\d+)")] private static partial Regex EventLine();
    [GeneratedRegex(@"= (\d+\.\d+) \(TOD\) = (\d+\.\d+) \(")] private static partial Regex ReferenceLine();
    [GeneratedRegex("([a-z])([A-Z])")] private static partial Regex PascalWord();
}
