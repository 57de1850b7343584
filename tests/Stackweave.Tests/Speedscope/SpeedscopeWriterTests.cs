using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Cli;
using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Formats.Speedscope;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Speedscope;

/// <summary>The speedscope writer against speedscope's published schema, its importer's rules, and perf's own numbers.</summary>
public partial class SpeedscopeWriterTests
{
    private static readonly Lazy<JsonSchemaSubset> s_schema =
        new(() => new JsonSchemaSubset(File.ReadAllText(RepoPaths.TestData("speedscope", "file-format-schema.json"))));

    public static TheoryData<string> AllCases()
    {
        var d = new TheoryData<string>();
        foreach (var n in SpeedscopeCases.Names) d.Add(n);
        return d;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Output_is_valid_for_speedscope(string name)
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json(name));
        var errors = s_schema.Value.Validate(doc.RootElement);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Empty(ImporterRules(doc.RootElement));
    }

    /// <summary>What speedscope's importer (src/lib/file-format.ts, profile.ts) needs beyond the schema.</summary>
    internal static List<string> ImporterRules(JsonElement root)
    {
        var errors = new List<string>();
        var nFrames = root.GetProperty("shared").GetProperty("frames").GetArrayLength();
        var profiles = root.GetProperty("profiles");
        if (profiles.GetArrayLength() == 0) errors.Add("no profiles");
        if (root.TryGetProperty("activeProfileIndex", out var a) && (a.GetInt32() < 0 || a.GetInt32() >= profiles.GetArrayLength())) errors.Add("activeProfileIndex out of range");
        var pi = 0;
        foreach (var p in profiles.EnumerateArray())
        {
            var where = $"profile {pi++} ({p.GetProperty("name").GetString()})";
            var start = p.GetProperty("startValue").GetDouble();
            var end = p.GetProperty("endValue").GetDouble();
            if (end < start) errors.Add(where + ": endValue < startValue");
            if (p.GetProperty("type").GetString() == "sampled")
            {
                var samples = p.GetProperty("samples");
                var weights = p.GetProperty("weights");
                if (samples.GetArrayLength() != weights.GetArrayLength()) errors.Add(where + ": samples and weights differ in length");
                foreach (var w in weights.EnumerateArray()) if (w.GetDouble() < 0) errors.Add(where + ": negative weight");
                foreach (var s in samples.EnumerateArray())
                    foreach (var f in s.EnumerateArray()) if (f.GetInt32() < 0 || f.GetInt32() >= nFrames) errors.Add(where + ": frame out of range");
            }
            else
            {
                var open = new Stack<int>();
                var last = double.NegativeInfinity;
                foreach (var e in p.GetProperty("events").EnumerateArray())
                {
                    var at = e.GetProperty("at").GetDouble();
                    var f = e.GetProperty("frame").GetInt32();
                    if (at < last) errors.Add(where + $": at {at} after {last}");
                    if (at < start || at > end) errors.Add(where + $": at {at} outside [{start}, {end}]");
                    last = at;
                    if (f < 0 || f >= nFrames) errors.Add(where + ": frame out of range");
                    if (e.GetProperty("type").GetString() == "O") open.Push(f);
                    else if (open.Count == 0 || open.Pop() != f) errors.Add(where + $": close of frame {f} does not match the innermost open frame");
                }
                if (open.Count != 0) errors.Add(where + ": frames left open");
            }
            if (errors.Count > 20) break;
        }
        return errors;
    }

    [Theory]
    [InlineData("$schema", "\"https://www.speedscope.app/file-format-schema.jsonx\"")]
    [InlineData("shared", "{}")]
    [InlineData("profiles", "[{\"type\":\"sampled\",\"name\":\"x\",\"unit\":\"ms\",\"startValue\":0,\"endValue\":1,\"samples\":[],\"weights\":[]}]")]
    [InlineData("profiles", "[{\"type\":\"sampled\",\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,\"endValue\":1,\"samples\":[[0]],\"weights\":[\"1\"]}]")]
    [InlineData("profiles", "[{\"type\":\"evented\",\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,\"endValue\":1,\"events\":[{\"type\":\"X\",\"frame\":0,\"at\":0}]}]")]
    [InlineData("profiles", "[{\"type\":\"evented\",\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,\"events\":[]}]")]
    public void Schema_check_rejects_broken_files(string property, string replacement)
    {
        // The negative control for the schema check: a valid output with one property broken must fail it.
        var json = SpeedscopeCases.Json("aggregate");
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node[property] = System.Text.Json.Nodes.JsonNode.Parse(replacement);
        using var doc = JsonDocument.Parse(node.ToJsonString());
        Assert.NotEmpty(s_schema.Value.Validate(doc.RootElement));
    }

    [Fact]
    public void Importer_rules_reject_unbalanced_and_mismatched_files()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(SpeedscopeCases.Json("go-fp-sampled"))!.AsObject();
        node["profiles"]![0]!["weights"]!.AsArray().RemoveAt(0);
        using var doc = JsonDocument.Parse(node.ToJsonString());
        Assert.Contains(ImporterRules(doc.RootElement), e => e.Contains("differ in length", StringComparison.Ordinal));

        var ev = System.Text.Json.Nodes.JsonNode.Parse(SpeedscopeCases.Json("go-fp"))!.AsObject();
        ev["profiles"]![0]!["events"]!.AsArray().RemoveAt(0);
        using var doc2 = JsonDocument.Parse(ev.ToJsonString());
        Assert.NotEmpty(ImporterRules(doc2.RootElement));
    }

    [Fact]
    public void Header_fields_follow_the_contract()
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("go-fp"));
        var root = doc.RootElement;
        Assert.Equal("https://www.speedscope.app/file-format-schema.json", root.GetProperty("$schema").GetString());
        Assert.Equal("stackweave " + Commands.Version, root.GetProperty("exporter").GetString());
        // The absolute start is in the name: the first sample (perf script: 858.714880 s) less its period (2004008 ns).
        Assert.Matches(@"^perf\.data \(time 0 = 8587128765\d\d ns on the perf clock\)$", root.GetProperty("name").GetString()!);
    }

    // perf script -F comm,pid,tid,time,event,...,period header lines (testdata/*/perf.data.script-pid.txt).
    [GeneratedRegex(@"^(?<comm>.+?)\s+(?<pid>-?\d+)/(?<tid>-?\d+)\s+(?<time>\d+\.\d+):\s+(?<period>\d+)\s+(?<event>\S+):")]
    private static partial Regex PerfHeader();

    /// <summary>Per (comm pid/tid, event): sample count and summed period, from perf script's own text.</summary>
    private static Dictionary<(string Thread, string Event), (long Samples, long Period)> PerfThreads(string dir)
    {
        var d = new Dictionary<(string, string), (long, long)>();
        foreach (var line in File.ReadLines(RepoPaths.TestData(dir, "perf.data.script-pid.txt")))
        {
            var m = PerfHeader().Match(line);
            if (!m.Success) continue;
            var key = ($"{m.Groups["comm"].Value} {m.Groups["pid"].Value}/{m.Groups["tid"].Value}", m.Groups["event"].Value);
            var (n, sum) = d.GetValueOrDefault(key);
            d[key] = (n + 1, sum + long.Parse(m.Groups["period"].Value, CultureInfo.InvariantCulture));
        }
        return d;
    }

    [Theory]
    [InlineData("go-fp", "go-fp-sampled", "cpu-clock:ppp")]
    [InlineData("two-events", "two-events-all-sampled", null)]
    public void Sampled_profiles_have_perfs_threads_counts_and_periods(string dir, string caseName, string? onlyEvent)
    {
        var expected = PerfThreads(dir).Where(kv => onlyEvent is null || kv.Key.Event == onlyEvent).ToDictionary();
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json(caseName));
        var got = new Dictionary<(string, string), (long, long)>();
        foreach (var p in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var name = p.GetProperty("name").GetString()!;
            string thread = name, evt = onlyEvent!;
            if (onlyEvent is null)
            {
                // Several events: "<comm> <pid>/<tid> <event>".
                var cut = name.LastIndexOf(' ');
                thread = name[..cut]; evt = name[(cut + 1)..];
            }
            var weights = p.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToList();
            got[(thread, evt)] = (weights.Count, weights.Sum());
            Assert.Equal("nanoseconds", p.GetProperty("unit").GetString()); // cpu-clock and task-clock count nanoseconds
            Assert.Equal(weights.Sum(), p.GetProperty("endValue").GetInt64());
        }
        Assert.Equal(expected.OrderBy(k => k.Key).ToList(), got.OrderBy(k => k.Key).ToList());
    }

    [Fact]
    public void Weight_count_gives_unit_none_and_ones()
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("go-fp-sampled-count"));
        foreach (var p in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            Assert.Equal("none", p.GetProperty("unit").GetString());
            Assert.All(p.GetProperty("weights").EnumerateArray(), w => Assert.Equal(1, w.GetInt64()));
        }
    }

    [Fact]
    public void First_event_by_default_as_stackcollapse_perf_keeps_it()
    {
        // stackcollapse-perf.pl keeps the first event of perf script's time-ordered output; its stderr names the one it drops.
        var dropped = File.ReadAllText(RepoPaths.TestData("two-events", "perf.data.folded.stderr")).Split('\n')[0];
        Assert.StartsWith("Filtering for events of type: ", dropped, StringComparison.Ordinal);
        var droppedEvent = dropped["Filtering for events of type: ".Length..].Trim();
        var perf = PerfThreads("two-events");
        var kept = perf.Keys.Select(k => k.Event).Distinct().Single(e => e != droppedEvent);

        var r = CliRunner.Run("convert", RepoPaths.TestData("two-events", "perf.data"), "--format", "speedscope", "--symfs", CliRunner.Symfs, "--sampled");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("skipped " + perf.Where(k => k.Key.Event == droppedEvent).Sum(k => k.Value.Samples) + " samples of other events", r.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(r.Stdout);
        var names = doc.RootElement.GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(perf.Keys.Where(k => k.Event == kept).Select(k => k.Thread).Order(StringComparer.Ordinal).ToList(), names);

        using var chosen = JsonDocument.Parse(SpeedscopeCases.Json("two-events-task-clock"));
        Assert.All(chosen.RootElement.GetProperty("profiles").EnumerateArray(), p => Assert.DoesNotContain("/period", p.GetProperty("name").GetString()!, StringComparison.Ordinal));
        var bad = CliRunner.Run("convert", RepoPaths.TestData("two-events", "perf.data"), "--format", "speedscope", "--event", "nope");
        Assert.Equal(Commands.BadUsage, bad.ExitCode);
        Assert.Contains("no event named 'nope'", bad.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("go-fp")]
    [InlineData("cpp-fp")]
    public void Sampled_stacks_fold_to_stackcollapse_perfs_output(string dir)
    {
        // Folding the sampled profiles ("comm;root;...;leaf" summed weights) gives FlameGraph's folded file exactly.
        using var doc = JsonDocument.Parse(SpeedscopeCases.Convert(dir, "--sampled"));
        var frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
        var folded = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var name = p.GetProperty("name").GetString()!;
            var comm = name[..name.LastIndexOf(' ')];
            var weights = p.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToArray();
            var i = 0;
            foreach (var s in p.GetProperty("samples").EnumerateArray())
            {
                var key = comm + ";" + string.Join(';', s.EnumerateArray().Select(f => AsStackcollapse(frames[f.GetInt32()])));
                folded[key] = folded.GetValueOrDefault(key) + weights[i++];
            }
        }
        var text = string.Concat(folded.Select(kv => kv.Key + " " + kv.Value.ToString(CultureInfo.InvariantCulture) + "\n"));
        Assert.Equal(File.ReadAllText(RepoPaths.TestData(dir, "perf.data.folded")), text);
    }

    /// <summary>stackcollapse-perf.pl names an unresolved frame after its module only: <c>[module+0xoff]</c> → <c>[module]</c>.</summary>
    private static string AsStackcollapse(string frame)
    {
        var m = Regex.Match(frame, @"^\[(.*)\+0x[0-9a-f]+\]$");
        return m.Success ? "[" + m.Groups[1].Value + "]" : frame;
    }

    [Theory]
    [InlineData("go-fp")]
    [InlineData("cpp-fp")]
    [InlineData("threads")]
    public void Evented_timeline_shows_each_samples_stack_just_before_its_time(string dir)
    {
        var profile = FormatRegistry.Read(RepoPaths.TestData(dir, "perf.data"));
        Symbolizer.Symbolize(profile, new SymbolOptions { Symfs = CliRunner.Symfs, KallsymsPath = CliRunner.Kallsyms });
        var ms = new MemoryStream();
        var result = SpeedscopeWriter.Write(profile, ms);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var frames = new FrameTable(profile);
        var names = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
        var t0 = long.Parse(Regex.Match(doc.RootElement.GetProperty("name").GetString()!, @"time 0 = (\d+) ns").Groups[1].Value, CultureInfo.InvariantCulture);
        var buf = new List<int>(); var scratch = new List<int>();
        var checkedSamples = 0;
        foreach (var p in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var name = p.GetProperty("name").GetString()!;
            var samples = Enumerable.Range(0, profile.Samples.Count)
                .Where(i => { var t = profile.Threads[profile.Samples.Thread(i)]; return $"{t.Name} {t.Pid}/{t.Tid}" == name; })
                .OrderBy(i => profile.Samples.Time(i)).ToList();
            var events = p.GetProperty("events").EnumerateArray().ToList();
            var open = new List<string>();
            var k = 0;
            foreach (var i in samples)
            {
                var at = profile.Samples.Time(i) - t0;
                while (k < events.Count && events[k].GetProperty("at").GetInt64() < at)
                {
                    var e = events[k++];
                    if (e.GetProperty("type").GetString() == "O") open.Add(names[e.GetProperty("frame").GetInt32()]);
                    else open.RemoveAt(open.Count - 1);
                }
                frames.RootFirst(profile.Samples.Stack(i), buf, scratch);
                var expected = buf.Select(f => frames[f].Name).ToList();
                // two samples at the same timestamp: only the last one is visible
                if (samples.Count(j => profile.Samples.Time(j) == profile.Samples.Time(i)) == 1)
                {
                    Assert.Equal(expected, open);
                    checkedSamples++;
                }
            }
        }
        Assert.Equal(profile.Samples.Count, result.SamplesWritten + result.SamplesOfOtherEvents);
        Assert.True(checkedSamples > profile.Samples.Count * 9 / 10, $"{checkedSamples} of {profile.Samples.Count} checked");
    }

    [Fact]
    public void Evented_timeline_leaves_gaps_where_the_thread_did_not_run()
    {
        // go-fp's second thread (6788) ran only now and then: its timeline must hold far less than its time span.
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("go-fp"));
        var p = doc.RootElement.GetProperty("profiles").EnumerateArray().Single(x => x.GetProperty("name").GetString() == "burn-go 6786/6788");
        var depth = 0; long busy = 0, since = 0;
        foreach (var e in p.GetProperty("events").EnumerateArray())
        {
            var at = e.GetProperty("at").GetInt64();
            if (e.GetProperty("type").GetString() == "O") { if (depth++ == 0) since = at; }
            else if (--depth == 0) busy += at - since;
        }
        var perf = PerfThreads("go-fp")[("burn-go 6786/6788", "cpu-clock:ppp")];
        // busy time is at most the CPU time perf counted for the thread, and at least the periods shortened by clipping
        Assert.InRange(busy, perf.Period / 2, perf.Period);
    }

    [Fact]
    public void Aggregate_sources_give_one_sampled_profile_per_value_column()
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("aggregate"));
        var root = doc.RootElement;
        var profiles = root.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal(["cpu.pb.gz samples", "cpu.pb.gz cpu"], profiles.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["none", "nanoseconds"], profiles.Select(p => p.GetProperty("unit").GetString()));
        Assert.Equal([3L, 1, 2], profiles[0].GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
        Assert.Equal([30_000_000L, 10_000_000, 20_000_000], profiles[1].GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
        Assert.Equal(1, root.GetProperty("activeProfileIndex").GetInt32()); // pprof's default sample type is the last
        var frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().ToList();
        Assert.Contains(frames, f => f.GetProperty("name").GetString() == "main.func1\n\"quoted\",");
        Assert.Contains(frames, f => f.GetProperty("name").GetString() == "std::map<int, std::string>::find(\"k\")" && f.GetProperty("file").GetString() == "map.h");
        Assert.Contains(frames, f => f.GetProperty("name").GetString() == "[unknown+0xdead]");
        Assert.Throws<ArgumentException>(() => SpeedscopeWriter.Write(SpeedscopeCases.AggregateProfile(), new MemoryStream(), new SpeedscopeOptions { Event = "cpu" }));

        var counted = new MemoryStream();
        SpeedscopeWriter.Write(SpeedscopeCases.AggregateProfile(), counted, new SpeedscopeOptions { Weight = WeightMode.Count });
        using var c = JsonDocument.Parse(counted.ToArray());
        var only = Assert.Single(c.RootElement.GetProperty("profiles").EnumerateArray());
        Assert.Equal("cpu.pb.gz samples", only.GetProperty("name").GetString());
        Assert.Equal([1L, 1, 1], only.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
    }

    [Fact]
    public void Untimed_samples_of_a_timed_source_are_kept_in_their_own_profile()
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("mixed-time"));
        var profiles = doc.RootElement.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal(["one 10/10", "two 10/11", "mixed.data (samples without time)", "one 10/10 events"], profiles.Select(p => p.GetProperty("name").GetString()));
        // Time 0 is 3000, where the first sample's period (1000 ns before 4000) starts. Thread one: "a" from 0 to 1000,
        // then "a;b" at 5000, which ran for its period before: "a" stays open, "b" opens at 1000.
        var ev = profiles[0].GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("type").GetString(), e.GetProperty("frame").GetInt32(), e.GetProperty("at").GetInt64())).ToList();
        Assert.Equal([("O", 0, 0L), ("O", 1, 1000L), ("C", 1, 2000L), ("C", 0, 2000L)], ev);
        Assert.Equal(2000, profiles[0].GetProperty("endValue").GetInt64());
        Assert.Contains("time 0 = 3000 ns", doc.RootElement.GetProperty("name").GetString()!, StringComparison.Ordinal);
    }

    public static Arbitrary<string[]> Names() =>
        Gen.Frequency(
                (3, Gen.Elements(',', '"', '\\', '\n', '\r', '\t', '\0', '<', '>', '&', '\'', 'é', '☃', '\u2028', '\uFFFF')),
                (3, Gen.Choose('a', 'z').Select(c => (char)c)),
                (1, Gen.Choose(0, 0xD7FF).Select(c => (char)c)))
            .ArrayOf().Select(a => new string(a)).ArrayOf().Where(a => a.Length is > 0 and < 8).ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(SpeedscopeWriterTests)], MaxTest = 100)]
    public void Any_symbol_text_reads_back_from_the_json(string[] names)
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Events.Add(new EventInfo { Name = names[0], PeriodUnit = "nanoseconds" });
        var t = p.InternThread(1, 2, names[^1]);
        var locs = names.Select((n, k) =>
        {
            var l = p.InternLocation(-1, (ulong)k);
            p.Locations[l].Lines.Add(new Line(p.InternFunction(n, null, n), 0));
            return l;
        }).ToArray();
        p.Samples.Add(p.Stacks.FromRootFirst(locs), t, 1000, [1, 10]);
        foreach (var sampled in new[] { false, true })
        {
            var ms = new MemoryStream();
            SpeedscopeWriter.Write(p, ms, new SpeedscopeOptions { Sampled = sampled });
            using var doc = JsonDocument.Parse(ms.ToArray());
            Assert.Empty(s_schema.Value.Validate(doc.RootElement));
            Assert.Empty(ImporterRules(doc.RootElement));
            var frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().ToList();
            var profile = doc.RootElement.GetProperty("profiles")[0];
            Assert.Equal(names[^1] + " 1/2", profile.GetProperty("name").GetString());
            var stack = sampled
                ? profile.GetProperty("samples")[0].EnumerateArray().Select(f => f.GetInt32()).ToList()
                : profile.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "O").Select(e => e.GetProperty("frame").GetInt32()).ToList();
            Assert.Equal(names, stack.Select(f => frames[f].GetProperty("name").GetString()!));
            Assert.Equal(names.Select(n => n.Length == 0 ? null : n), stack.Select(f => frames[f].TryGetProperty("file", out var file) ? file.GetString() : null));
        }
    }

    public static Arbitrary<(int Thread, int Event, long Time, long Period, int[] Stack)[]> TimedSamples() =>
        (from thread in Gen.Choose(0, 2)
         from evt in Gen.Choose(0, 2)
         from time in Gen.Frequency((8, Gen.Choose(0, 10_000).Select(t => (long)t)), (1, Gen.Constant(SampleTable.NoTime)))
         from period in Gen.Choose(-5, 3_000).Select(v => (long)v)
         from stack in Gen.Choose(0, 4).ArrayOf().Select(a => a.Take(6).ToArray())
         select (thread, evt, time, period, stack)).ArrayOf().ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(SpeedscopeWriterTests)], MaxTest = 200)]
    public void Any_samples_give_a_file_speedscope_accepts((int Thread, int Event, long Time, long Period, int[] Stack)[] rows, bool sampled, bool all, bool count)
    {
        // Out-of-order, equal and missing times, zero and negative periods, time-based and count events, empty stacks.
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Events.Add(new EventInfo { Name = "cpu-clock", PeriodUnit = "nanoseconds" });
        p.Events.Add(new EventInfo { Name = "page-faults" });
        p.Events.Add(new EventInfo { Name = "task-clock", PeriodUnit = "nanoseconds" });
        var locs = Enumerable.Range(0, 5).Select(k =>
        {
            var l = p.InternLocation(-1, (ulong)k);
            if (k != 4) p.Locations[l].Lines.Add(new Line(p.InternFunction("f" + k), 0)); // location 4 stays unresolved
            return l;
        }).ToArray();
        var threads = new[] { p.InternThread(1, 1, "a"), p.InternThread(1, 2, "b"), p.InternThread(2, 2, "c c") };
        foreach (var r in rows)
            p.Samples.Add(p.Stacks.FromRootFirst(r.Stack.Select(k => locs[k]).ToArray()), threads[r.Thread], r.Time, [1, r.Period], r.Event);
        var ms = new MemoryStream();
        var result = SpeedscopeWriter.Write(p, ms, new SpeedscopeOptions { Sampled = sampled, AllEvents = all, Weight = count ? WeightMode.Count : WeightMode.Period });
        using var doc = JsonDocument.Parse(ms.ToArray());
        Assert.Empty(s_schema.Value.Validate(doc.RootElement));
        if (rows.Length > 0) Assert.Empty(ImporterRules(doc.RootElement));
        Assert.Equal(rows.Length, result.SamplesWritten + result.SamplesOfOtherEvents);
        if (sampled || rows.All(r => r.Time == SampleTable.NoTime))
        {
            var written = doc.RootElement.GetProperty("profiles").EnumerateArray().Sum(x => x.GetProperty("samples").GetArrayLength());
            Assert.Equal(result.SamplesWritten, written);
        }
    }

    [Fact]
    public void Writer_streams_in_bounded_chunks()
    {
        // 200k samples of a 40-frame stack: the output is many MB, every write to the stream stays small.
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Events.Add(new EventInfo { Name = "cpu-clock", PeriodUnit = "nanoseconds" });
        var t = p.InternThread(1, 1, "big");
        var s = StackTable.Root;
        var stacks = new List<int>();
        for (var k = 0; k < 40; k++)
        {
            var l = p.InternLocation(-1, (ulong)k);
            p.Locations[l].Lines.Add(new Line(p.InternFunction("function_number_" + k), 0));
            s = p.Stacks.Push(s, l);
            stacks.Add(s);
        }
        for (var i = 0; i < 200_000; i++) p.Samples.Add(stacks[i % 2 == 0 ? 39 : 20 + i % 19], t, 1_000_000L * i, [1, 1_000_000]);
        var counting = new ChunkStream();
        SpeedscopeWriter.Write(p, counting, new SpeedscopeOptions { Sampled = true });
        Assert.True(counting.Total > 20_000_000, counting.Total.ToString(CultureInfo.InvariantCulture));
        Assert.True(counting.MaxChunk < 1 << 20, counting.MaxChunk.ToString(CultureInfo.InvariantCulture));
    }

    private sealed class ChunkStream : Stream
    {
        public long Total { get; private set; }
        public int MaxChunk { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Total;
        public override long Position { get => Total; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) { Total += buffer.Length; MaxChunk = Math.Max(MaxChunk, buffer.Length); }
    }
}
