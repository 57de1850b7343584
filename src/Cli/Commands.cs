namespace Stackweave.Cli;

/// <summary>Argument parsing and wiring of the data path; no format logic.</summary>
public static class Commands
{
    /// <summary>Exit codes of the CLI contract.</summary>
    public const int Ok = 0, BadUsage = 1, BadInput = 2, Partial = 3;

    /// <summary>Runs one command line.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("stackweave: not implemented yet");
        return BadUsage;
    }
}
