namespace Stackweave.Formats.Model;

/// <summary>
/// A timestamped event that is not a stack sample: a bpftrace printf line, a perf record shown on a
/// timeline. Writers with a time axis (CSV samples, speedscope, timelines) show them; folded ignores them.
/// </summary>
/// <param name="Time">Timestamp in the source clock (ns).</param>
/// <param name="Thread">Index into <see cref="Profile.Threads"/>, -1 when unknown.</param>
/// <param name="Name">What happened (a probe, a syscall name, the printf format's first word…).</param>
/// <param name="Value">A number the event carries (latency, bytes…), null when none.</param>
/// <param name="Text">The event's text as the source printed it.</param>
/// <param name="Part">Index of the mark's input in <see cref="Profile.Parts"/> (0 for a profile read from one input).</param>
public readonly record struct Mark(long Time, int Thread, string Name, long? Value, string Text, int Part = 0);
