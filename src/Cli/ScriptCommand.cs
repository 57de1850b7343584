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
            throw new UsageException("--raw is not available yet");
        }
        var profiles = ReadAll(ctx);
        Symbolizer.Symbolize(profiles[0], SymbolOptions(a));
        PerfScriptWriter.Write(profiles[0], target.Writer, new PerfScriptOptions());
        target.Commit();
        return ctx.Finish(profiles);
    }
}
