using Stackweave.Formats.Model;
using Stackweave.Formats.PerfData;
using Stackweave.Formats.PerfScript;
using Stackweave.Merge.Symbols;

namespace Stackweave.Cli;

public static partial class Commands
{
    private static int Script(RunContext ctx)
    {
        var a = ctx.Args;
        if (a.Inputs.Count != 1) throw new UsageException("'script' takes one perf.data input");
        using var target = OutputTarget.Open(a.Value("-o"), ctx.Stdout);
        if (a.Has("--raw"))
        {
            var input = a.Inputs[0];
            var options = new PerfScriptRawOptions
            {
                ShowMmap = a.Has("--show-mmap-events"), ShowTask = a.Has("--show-task-events"),
                ShowSwitch = a.Has("--show-switch-events"), ShowNamespace = a.Has("--show-namespace-events"),
                ShowCgroup = a.Has("--show-cgroup-events"), ShowLost = a.Has("--show-lost-events"),
            };
            if (input != "-")
            {
                // Records can be read once per open: a first pass builds and symbolizes the samples' stacks,
                // the second prints every record with them.
                var indices = new List<int>();
                Profile symbols;
                using (var first = OpenPerfData(input, ctx.ReadOptions))
                    symbols = PerfProfileBuilder.Build(first, ctx.ReadOptions, (r, i) => { if (r is SampleRecord) indices.Add(i); });
                NoteRefusedFiles(Symbolizer.Symbolize(symbols, SymbolOptions(a)), ctx.Stderr);
                options.Callchain = RawCallchain.Symbolized;
                options.Symbols = symbols;
                options.SampleIndexByRecord = indices;
            }
            using var file = OpenPerfData(input, ctx.ReadOptions);
            PerfScriptRawWriter.Write(file, target.Writer, options);
            target.Commit();
            if (file.Damage is { } d)
            {
                ctx.Stderr.WriteLine("stackweave: " + d.Message + " — wrote what was read before it (--salvage)");
                return Partial;
            }
            return Ok;
        }
        var profiles = ReadAll(ctx, ctx.ReadOptions with { UserStackUnwinder = Unwinder(a, SymbolOptions(a)) });
        var inline = a.Has("--inline");
        NoteRefusedFiles(Symbolizer.Symbolize(profiles[0], SymbolOptions(a) with { Inline = inline ? InlineNames.Perf : null }), ctx.Stderr);
        PerfScriptWriter.Write(profiles[0], target.Writer, new PerfScriptOptions { Inline = inline });
        target.Commit();
        return ctx.Finish(profiles);
    }
}
