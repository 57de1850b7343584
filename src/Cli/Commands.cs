using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Cli;

/// <summary>Argument parsing and wiring of the data path; no format logic.</summary>
public static partial class Commands
{
    /// <summary>Exit codes of the CLI contract.</summary>
    public const int Ok = 0, BadUsage = 1, BadInput = 2, Partial = 3;

    private const string Usage = """
        usage:
          stackweave convert INPUT... [-o OUT] [--format folded|perf-script|speedscope|csv|pprof|svg|html] [options]
          stackweave info INPUT... [--json]
          stackweave gen perf.data|pprof|bpftrace [--seed N] [--count N] [--options K=V,...] -o DIR  (see gen --help)
          stackweave script PERF_DATA [--raw] [--show-mmap-events] [--show-task-events] [--show-switch-events]
                            [--show-namespace-events] [--show-cgroup-events] [--show-lost-events] [--inline] [-o OUT]
        folded options (as stackcollapse-perf.pl): --pid --tid --kernel --jit --addrs --all --event-filter EVENT (alias --event)
                                                   --inline (inlined frames from DWARF, named as addr2line -f -C names them)
        speedscope options: --sampled (sampled profiles, not timelines)  --weight count|period  --event NAME  --all-events
        svg options: --title TEXT  --width PX (1200)  --min-width PX (0.1)  --max-frames N (10000; 0 = all)  --icicle
                     --diff BASE (differential: red growth, blue shrinkage)
                     (frames and weights as folded output; folded options apply)
        html options: --title TEXT  --buckets N (2000 time buckets)  (every input its own lanes; folded options apply)
        csv options: --csv samples|stacks|functions|histograms (default samples)  --weight count|period  --event NAME  --all-events
        symbol options (as perf): --symfs DIR  --kallsyms FILE  --debug-dir DIR (repeatable)  --buildid-dir DIR (default ~/.debug)
                                  --debuginfod-cache DIR (default $DEBUGINFOD_CACHE_PATH or ~/.cache/debuginfod_client)
                                  --jit-dir DIR (repeatable; perf-PID.map and jit-PID.dump, before the capture's dir and /tmp)
                                  --demangle perf|full|none (default perf: as perf script; full: as c++filt)  --no-demangle
        unwinding: --call-graph dwarf samples are unwound with the binaries' CFI (.eh_frame, .debug_frame)  --no-unwind (keep recorded chains)
        bpftrace input: --keys pid,tid,comm,NAME,_ (names of the map key elements: thread fields, labels, _ skips)  --map NAME
                        --bpftrace-line REGEX (printf timeline lines; groups ts, pid, tid, comm, name, value)
                        --bpftrace-clock boottime|monotonic|realtime|...  --offsets (keep +offset in frame names)
        pprof options: --sample-type NAME (value column, default: default_sample_type else the last; merges on it)
                       --label-frames KEY[,KEY] (label values as root frames, like pprof -tagroot)
                       several inputs are merged as go tool pprof -proto does (same sample types, or --sample-type)
        clocks (several inputs go on one UTC axis): --anchor FILE=SOURCE_NS@UTC (RFC 3339 or Unix ns)  --clock-offset FILE=±DURATION
                --ignore-clock-data FILE  --assume-clock FILE=monotonic|boottime|realtime|monotonic_raw|tai
        filter/slice (every output): --start/--end UTC|+DURATION  --only-pid N[,N]  --only-tid N[,N]  --only-comm NAME[,NAME]
                --user-only  --kernel-only  --focus REGEX  --ignore REGEX  --event NAME
        merge: --group-by source|comm|pid|tid (folded root frame [value])  --keep-going (skip unreadable inputs, exit 3)
               --symfs FILE=DIR  --kallsyms FILE=KALLSYMS (per input)
        common: --salvage (write what parsed before damage, exit 3)  --verbose (print diagnostics)  -  (stdin/stdout)
        limits: --max-expansion N (compressed input and sections expand at most N times, default 1000; 64 MiB always allowed)
                --max-stack-depth N (frames kept per stack, default 65536; deeper stacks keep their leaf-most frames, counted)
                --max-line-bytes N (longest bpftrace text/JSON line, default 67108864)
        exit codes: 0 ok, 1 bad usage, 2 bad or unreadable input, 3 partial result under --salvage
        """;

    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal)
    {
        "--pid", "--tid", "--kernel", "--jit", "--addrs", "--all", "--salvage", "--verbose", "--json", "--raw",
        "--show-mmap-events", "--show-task-events", "--show-switch-events", "--show-namespace-events",
        "--show-cgroup-events", "--show-lost-events", "--help", "--no-demangle", "--sampled", "--all-events",
        "--offsets", "--inline", "--icicle", "--no-unwind",
        "--user-only", "--kernel-only", "--keep-going", // Filter pass, merge of many files
    };

    private static readonly HashSet<string> s_valued = new(StringComparer.Ordinal)
    {
        "-o", "--format", "--event-filter", "--symfs", "--kallsyms", "--debug-dir", "--buildid-dir", "--debuginfod-cache", "--jit-dir", "--demangle", "--max-expansion", "--weight", "--csv",
        "--max-stack-depth", "--max-line-bytes", // resource limits
        "--keys", "--map", "--bpftrace-line", "--bpftrace-clock", "--sample-type", "--label-frames",
        "--title", "--width", "--min-width", "--max-frames", "--diff", "--buckets",
        // clock alignment, Filter/Slice, merge
        "--anchor", "--clock-offset", "--ignore-clock-data", "--assume-clock", "--group-by", "--start", "--end",
        "--only-pid", "--only-tid", "--only-comm", "--focus", "--ignore",
    };

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["--output"] = "-o", ["--event"] = "--event-filter", ["-h"] = "--help", ["-v"] = "--verbose",
    };

    /// <summary>Runs one command line writing output bytes to <paramref name="stdoutStream"/>.</summary>
    public static int Run(string[] args, Stream stdoutStream, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 1 && args[0] is "--version")
        {
            stdout.WriteLine("stackweave " + Version);
            return Ok;
        }
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? BadUsage : Ok;
        }
        if (args[0] == "gen") return GenCommand.Run(args, stdout, stderr);
        CliArgs a;
        try
        {
            a = CliArgs.Parse(args, s_flags, s_valued, s_aliases);
            if (a.Has("--help")) { stdout.WriteLine(Usage); return Ok; }
            var ctx = new RunContext(a, stdoutStream, stderr);
            return a.Command switch
            {
                "convert" => Convert(ctx),
                "info" => Info(ctx, stdout),
                "script" => Script(ctx),
                _ => throw new UsageException($"unknown command '{a.Command}'"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine("stackweave: " + e.Message);
            stderr.WriteLine("run 'stackweave --help' for usage");
            return BadUsage;
        }
        catch (CaptureFormatException e)
        {
            stderr.WriteLine("stackweave: " + e.Message);
            return BadInput;
        }
        catch (IOException e)
        {
            stderr.WriteLine("stackweave: " + e.Message);
            return BadInput;
        }
    }

    /// <summary>The tool's version.</summary>
    public static string Version => typeof(Commands).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private sealed class RunContext(CliArgs args, Stream stdout, TextWriter stderr)
    {
        public CliArgs Args { get; } = args;
        public Stream Stdout { get; } = stdout;
        public TextWriter Stderr { get; } = stderr;
        public bool Salvage => Args.Has("--salvage");
        /// <summary>Inputs skipped under --keep-going.</summary>
        public List<string> Skipped { get; } = [];

        public ReadOptions ReadOptions
        {
            get
            {
                return new ReadOptions { Salvage = Salvage, Limits = LimitsOf(Args), Bpftrace = BpftraceOptions(Args) };
            }
        }

        /// <summary>Reports damage survived under --salvage; returns the exit code for the result.</summary>
        public int Finish(IEnumerable<Profile> profiles)
        {
            var damaged = false;
            foreach (var p in profiles)
            {
                if (Args.Has("--verbose")) PrintDiagnostics(p, Stderr);
                if (p.Damage is { } d)
                {
                    damaged = true;
                    Stderr.WriteLine("stackweave: " + d.Message + (d is SkippedDamageException { ReadToEnd: true }
                        ? " — skipped the damage and read on to the end (--salvage)"
                        : " — wrote what was read before it (--salvage)"));
                }
            }
            return damaged || Skipped.Count > 0 ? Partial : Ok;
        }
    }

    /// <summary>The resource limits the command line sets (--max-expansion, --max-stack-depth); the defaults otherwise.</summary>
    internal static Limits LimitsOf(CliArgs a)
    {
        var limits = Limits.Default;
        var ratio = a.Int("--max-expansion", limits.MaxExpansionRatio);
        if (ratio < 1) throw new UsageException("--max-expansion must be at least 1");
        var depth = a.Int("--max-stack-depth", limits.MaxStackDepth);
        if (depth < 1 || depth > int.MaxValue) throw new UsageException("--max-stack-depth must be between 1 and 2147483647");
        var line = a.Int("--max-line-bytes", limits.MaxLineBytes);
        if (line < 1 || line > Array.MaxLength) throw new UsageException("--max-line-bytes must be between 1 and " + Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return limits with { MaxExpansionRatio = ratio, MaxStackDepth = (int)depth, MaxLineBytes = (int)line };
    }

    /// <summary>Prints a profile's diagnostics counters and messages.</summary>
    internal static void PrintDiagnostics(Profile p, TextWriter w)
    {
        w.WriteLine($"{p.Source.File}: diagnostics");
        foreach (var kv in p.Diagnostics.Counters) w.WriteLine(FormattableString.Invariant($"  {kv.Key}: {kv.Value}"));
        foreach (var m in p.Diagnostics.Messages) w.WriteLine("  " + m);
    }

    private static List<Profile> ReadAll(RunContext ctx, ReadOptions? options = null)
    {
        options ??= ctx.ReadOptions;
        if (ctx.Args.Inputs.Count == 0) throw new UsageException($"'{ctx.Args.Command}' needs an input file ('-' for stdin)");
        var list = new List<Profile>();
        foreach (var input in ctx.Args.Inputs)
        {
            using var progress = Progress.Start(ctx.Stderr, input);
            if (!ctx.Args.Has("--keep-going")) { list.Add(FormatRegistry.Read(input, options)); continue; }
            try { list.Add(FormatRegistry.Read(input, options)); }
            catch (Exception e) when (e is CaptureFormatException or IOException or UnauthorizedAccessException)
            {
                ctx.Skipped.Add(input);
                ctx.Stderr.WriteLine("stackweave: skipped " + input + " (--keep-going): " + e.Message);
            }
        }
        if (list.Count == 0) throw new CaptureFormatException(string.Join(", ", ctx.Skipped), 0, "at least one readable input (--keep-going skipped every one)");
        return list;
    }
}
