namespace Stackweave.Cli;

/// <summary>Entry point of the <c>stackweave</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the exit code.</summary>
    public static int Main(string[] args) => Commands.Run(args, Console.OpenStandardOutput(), Console.Out, Console.Error);
}
