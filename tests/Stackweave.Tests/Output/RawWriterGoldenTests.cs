using System.Text;
using Stackweave.Formats.PerfScript;
using Stackweave.Tests.PerfData;

namespace Stackweave.Tests.Output;

/// <summary>
/// PerfScriptRawWriter on the real captures against X.script-side.txt (perf script --show-*-events -F comm,pid,tid[,cpu],time,
/// event,ip,sym,dso,period, testdata/README.md). Without the profile builder the callchain lines cannot be symbolized, so
/// callchain lines are compared on their address column only (map-relative for user code, raw for kernel code).
/// </summary>
public class RawWriterGoldenTests
{
    [Theory]
    [MemberData(nameof(PerfTestUtil.Captures), MemberType = typeof(PerfTestUtil))]
    public void Side_band_and_sample_headers_equal_perf_script(string capture)
    {
        var (_, prefix) = PerfTestUtil.Locate(capture);
        var golden = File.ReadAllText(prefix + ".script-side.txt", Encoding.UTF8);
        var fields = File.ReadAllText(prefix + ".script-side.fields").Trim();
        using var file = PerfTestUtil.Open(capture);
        var sw = new StringWriter();
        PerfScriptRawWriter.Write(file, sw, new PerfScriptRawOptions { Cpu = fields.Contains(",cpu,", StringComparison.Ordinal), Callchain = RawCallchain.Addresses });
        var actual = sw.ToString();
        GoldenScriptTextTests.AssertSameText(AddressesOnly(golden), actual, capture);
    }

    [Theory]
    [MemberData(nameof(PerfTestUtil.Captures), MemberType = typeof(PerfTestUtil))]
    public void Symbolized_output_equals_perf_script(string capture)
    {
        // The symbols come from the golden's own sample blocks (what the builder + symbolizer must provide); the
        // side-band records, headers, record order and the pairing of SAMPLE records with profile samples are the writer's.
        var (_, prefix) = PerfTestUtil.Locate(capture);
        var golden = File.ReadAllText(prefix + ".script-side.txt", Encoding.UTF8);
        var fields = File.ReadAllText(prefix + ".script-side.fields").Trim();
        var symbols = ScriptTextProfile.Parse(golden, PerfScriptFields.PidTid);
        using var file = PerfTestUtil.Open(capture);
        var sw = new StringWriter();
        PerfScriptRawWriter.Write(file, sw, new PerfScriptRawOptions
        {
            Cpu = fields.Contains(",cpu,", StringComparison.Ordinal), Callchain = RawCallchain.Symbolized, Symbols = symbols,
        });
        GoldenScriptTextTests.AssertSameText(golden, sw.ToString(), capture);
    }

    // Callchain lines "\t%16lx sym (dso)" cut to "\t%16lx" (namespace records' "\t\t" continuation lines kept whole).
    private static string AddressesOnly(string s)
        => string.Join('\n', s.Split('\n').Select(l => l.StartsWith('\t') && !l.StartsWith("\t\t", StringComparison.Ordinal) ? l[..17] : l));
}
