namespace Stackweave.Formats.Model;

/// <summary>A thread as seen by samples: pid, tid and the command name it had at the time (pid -1 when the source did not record it, as in perf script's default text).</summary>
public sealed record ThreadInfo(int Id, int Pid, int Tid, string Name);

/// <summary>Where a profile came from.</summary>
public sealed class Source
{
    /// <summary>Input file as given by the user ("-" for stdin).</summary>
    public string File { get; set; } = "";
    /// <summary>Format name (e.g. "perf.data", "pprof", "bpftrace").</summary>
    public string Format { get; set; } = "";
    /// <summary>Host name the capture was made on, when recorded.</summary>
    public string? Hostname { get; set; }
    /// <summary>Command line of the capturing tool, when recorded.</summary>
    public string? CommandLine { get; set; }
}
