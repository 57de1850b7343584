using System.Text;
using Stackweave.Cli;

namespace Stackweave.Tests.Integration;

/// <summary>Runs the stackweave command in-process and captures its output.</summary>
public static class CliRunner
{
    /// <summary>Result of one run.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs the command line.</summary>
    public static Result Run(params string[] args)
    {
        var outBytes = new MemoryStream();
        var outText = new StringWriter();
        var err = new StringWriter();
        var code = Commands.Run(args, outBytes, outText, err);
        var stdout = Encoding.UTF8.GetString(outBytes.ToArray()) + outText;
        return new Result(code, stdout, err.ToString());
    }

    private static readonly Lazy<string> s_symfs = new(() =>
    {
        // Captures name the profiled programs by the absolute path they were recorded from
        // (/work/main/testdata/programs/bin/...). Tests find them through --symfs, wherever the repo is cloned.
        var root = Path.Combine(Path.GetTempPath(), "stackweave-symfs-" + Environment.ProcessId);
        var dir = Path.Combine(root, "work", "main", "testdata", "programs");
        Directory.CreateDirectory(dir);
        var link = Path.Combine(dir, "bin");
        if (!Directory.Exists(link)) Directory.CreateSymbolicLink(link, RepoPaths.TestData("programs", "bin"));
        return root;
    });

    /// <summary>A --symfs folder in which the recorded program paths lead to testdata/programs/bin.</summary>
    public static string Symfs => s_symfs.Value;

    /// <summary>The kallsyms saved on the recording machine (same boot for every capture).</summary>
    public static string Kallsyms => RepoPaths.TestData("system-wide", "kallsyms.gz");
}
