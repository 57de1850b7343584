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
            using var file = OpenPerfData(a.Inputs[0], ctx.ReadOptions);
            var options = new PerfScriptRawOptions
            {
                ShowMmapEvents = a.Has("--show-mmap-events"), ShowTaskEvents = a.Has("--show-task-events"),
                ShowSwitchEvents = a.Has("--show-switch-events"), ShowNamespaceEvents = a.Has("--show-namespace-events"),
                ShowCgroupEvents = a.Has("--show-cgroup-events"), ShowLostEvents = a.Has("--show-lost-events"),
            };
            PerfScriptRawWriter.Write(file, target.Writer, options);
            target.Commit();
            if (file.Damage is { } d)
            {
                ctx.Stderr.WriteLine("stackweave: " + d.Message + " — wrote what was read before it (--salvage)");
                return Partial;
            }
            return Ok;
        }
        var profiles = ReadAll(ctx);
        Symbolizer.Symbolize(profiles[0], SymbolOptions(a));
        PerfScriptWriter.Write(profiles[0], target.Writer, new PerfScriptOptions());
        target.Commit();
        return ctx.Finish(profiles);
    }
}
