using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.Output;

/// <summary>
/// Test helper: rebuilds a Profile from perf script text (the golden X.script.txt / X.script-pid.txt files), the way the
/// perf.data builder is meant to fill it, so the writers can be checked against real perf and stackcollapse-perf.pl output.
/// Mappings start at 0 with file offset 0, so the printed (map-relative) address is the location's address.
/// </summary>
internal static class ScriptTextProfile
{
    private static readonly Regex s_header = new(
        @"^(?<comm>.+?) +(?<pid>-?\d+)(/(?<tid>-?\d+))? +(\[(?<cpu>\d+)\] +)?(?<time>\d+\.\d{6}): +(?:(?<period>\d+) +)?(?<rest>.*)$",
        RegexOptions.CultureInvariant);

    public static Profile Parse(string text, PerfScriptFields fields)
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        var events = new Dictionary<string, int>(StringComparer.Ordinal);
        var mappings = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        var stack = new List<int>();
        int thread = -1, evt = -1, cpu = -1;
        long time = 0, period = 0;
        string? trace = null;
        var inSample = false;

        void Flush()
        {
            if (!inSample) return;
            stack.Reverse();
            var s = p.Stacks.FromRootFirst(stack.ToArray());
            p.Samples.Add(s, thread, time, [1, period], evt, cpu, trace is null ? null : [new Label("trace", trace)]);
            stack.Clear();
            inSample = false;
        }

        foreach (var line in lines)
        {
            if (line.Length == 0) { Flush(); continue; }
            // --show-*-events output: side-band records and the namespaces record's continuation lines are not samples.
            if (line.StartsWith("\t\t", StringComparison.Ordinal)) continue;
            if (line[0] != '\t' && line.Contains(": PERF_RECORD_", StringComparison.Ordinal)) { Flush(); continue; }
            if (line[0] == '\t')
            {
                var close = line.LastIndexOf(')');
                // The dso is the balanced "(...)" at the end (dso names like "/memfd:x (deleted)" hold parentheses).
                var open = close;
                for (var depth = 0; open > 0; open--)
                {
                    if (line[open] == ')') depth++;
                    else if (line[open] == '(' && --depth == 0) break;
                }
                open--;
                var dso = line[(open + 2)..close];
                var left = line[1..open].TrimStart(' ');
                var sp = left.IndexOf(' ');
                var addr = ulong.Parse(left[..sp], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var sym = left[(sp + 1)..];
                ulong off = 0;
                if (fields == PerfScriptFields.Default && sym != "[unknown]")
                {
                    var plus = sym.LastIndexOf("+0x", StringComparison.Ordinal);
                    off = ulong.Parse(sym[(plus + 3)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    sym = sym[..plus];
                }
                var map = -1;
                if (dso != "[unknown]" && !mappings.TryGetValue(dso, out map))
                {
                    var kind = dso == "[kernel.kallsyms]" ? MappingKind.Kernel
                        : dso == "[vdso]" ? MappingKind.Vdso
                        : dso.StartsWith('[') ? MappingKind.KernelModule
                        : dso.StartsWith("/tmp/perf-", StringComparison.Ordinal) ? MappingKind.Jit
                        : dso.StartsWith("//anon", StringComparison.Ordinal) ? MappingKind.Anonymous
                        : MappingKind.User;
                    map = p.AddMapping(new Mapping { Path = dso, Start = 0, Limit = ulong.MaxValue, Kind = kind });
                    mappings[dso] = map;
                }
                var loc = p.InternLocation(map, addr, stack.Count > 0);
                var l = p.Locations[loc];
                if (l.Lines.Count == 0 && sym != "[unknown]")
                {
                    l.Lines.Add(new Line(p.InternFunction(sym), 0));
                    l.SymbolOffset = off;
                }
                stack.Add(loc);
                continue;
            }

            Flush();
            var m = s_header.Match(line);
            if (!m.Success) throw new InvalidDataException("not a header: " + line);
            var comm = m.Groups["comm"].Value;
            int pid, tid;
            if (m.Groups["tid"].Success)
            {
                pid = int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture);
                tid = int.Parse(m.Groups["tid"].Value, CultureInfo.InvariantCulture);
            }
            else
            {
                tid = int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture);
                pid = tid;
            }
            thread = p.InternThread(pid, tid, comm);
            cpu = m.Groups["cpu"].Success ? int.Parse(m.Groups["cpu"].Value, CultureInfo.InvariantCulture) : -1;
            var t = m.Groups["time"].Value.Split('.');
            time = long.Parse(t[0], CultureInfo.InvariantCulture) * 1_000_000_000L + long.Parse(t[1], CultureInfo.InvariantCulture) * 1000L;
            var rest = m.Groups["rest"].Value.TrimStart(' ');
            var colon = rest.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) colon = rest.Length - 1;
            var name = rest[..colon];
            var after = colon + 2 <= rest.Length ? rest[(colon + 2)..] : "";
            var isTracepoint = fields == PerfScriptFields.Default ? !m.Groups["period"].Success : name.Contains(':') && !name.StartsWith("cpu-clock", StringComparison.Ordinal);
            period = m.Groups["period"].Success ? long.Parse(m.Groups["period"].Value, CultureInfo.InvariantCulture) : 1;
            trace = fields == PerfScriptFields.Default && isTracepoint ? after : null;
            if (!events.TryGetValue(name, out evt))
            {
                // sample_type: IP | TID | TIME | CALLCHAIN | PERIOD, plus CPU when printed (include/uapi/linux/perf_event.h).
                var st = (1UL << 0) | (1UL << 1) | (1UL << 2) | (1UL << 5) | (1UL << 8) | (m.Groups["cpu"].Success ? 1UL << 7 : 0);
                if (isTracepoint) st |= 1UL << 10;
                evt = p.Events.Count;
                p.Events.Add(new EventInfo { Name = name, Kind = isTracepoint ? EventKind.Tracepoint : EventKind.Software, PerfSampleType = st });
                events[name] = evt;
            }
            inSample = true;
        }
        Flush();
        return p;
    }
}
