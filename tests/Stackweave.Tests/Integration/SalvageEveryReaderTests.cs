using System.Globalization;

namespace Stackweave.Tests.Integration;

/// <summary>
/// The --salvage contract for every reader, through the CLI: a capture damaged in the middle is exit 2 with one stderr
/// line naming the file and the byte offset; with --salvage what came before the damage is written, one stderr line says
/// where reading stopped, and the exit code is 3.
/// </summary>
public sealed class SalvageEveryReaderTests
{
    /// <summary>Real captures and how each is damaged at about its middle.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        // capture, damage, output format
        { "pprof/cpu.pb", "truncate", "folded" },
        { "cpp-fp/perf.data", "truncate", "folded" },
        { "cpp-fp/perf.data", "zero", "folded" },
        { "pipe/perf.data.pipe", "zero", "folded" },
        { "bpftrace/kstack.txt", "binary", "folded" },
        { "bpftrace/kstack.json", "binary", "folded" },
        { "textin/go-fp.ns.txt", "binary", "folded" },
    };

    private static byte[] Damage(byte[] b, string how)
    {
        var mid = b.Length / 2;
        switch (how)
        {
            case "truncate": return b[..mid];
            case "zero": Array.Clear(b, mid, Math.Min(256, b.Length - mid)); return b;
            case "garbage": for (var i = mid; i < Math.Min(b.Length, mid + 8); i++) b[i] = 0xff; return b;
            default:
                // NUL and invalid UTF-8 in the middle of a text capture
                var at = Array.IndexOf(b, (byte)'\n', mid) + 1;
                return [.. b[..at], 0x00, 0xff, 0xfe, (byte)'\n', .. b[at..]];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DamageIsExitTwoAndSalvageIsExitThree(string capture, string how, string format)
    {
        var parts = capture.Split('/');
        var bytes = Damage(File.ReadAllBytes(RepoPaths.TestData(parts[0], parts[1])), how);
        var dir = Directory.CreateTempSubdirectory("stackweave-salvage-");
        try
        {
            var path = Path.Combine(dir.FullName, parts[1]);
            File.WriteAllBytes(path, bytes);
            var bad = CliRunner.Run("convert", path, "--format", format);
            var good = CliRunner.Run("convert", path, "--format", format, "--salvage");
            if (bad.ExitCode == 0)
            {
                // A text reader that skips and counts a bad line (as stackcollapse-perf.pl does) reads the rest: then
                // --salvage changes nothing.
                Assert.Equal(0, good.ExitCode);
                Assert.Equal(bad.Stdout, good.Stdout);
                return;
            }
            Assert.Equal(2, bad.ExitCode);
            var line = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("stackweave: " + path + ": at byte ", line, StringComparison.Ordinal);
            var offset = long.Parse(line.Split(": at byte ")[1].Split(':')[0], CultureInfo.InvariantCulture);
            Assert.InRange(offset, 0, bytes.Length);

            Assert.Equal(3, good.ExitCode);
            Assert.NotEmpty(good.Stdout);
            var salvaged = Assert.Single(good.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("(--salvage)", StringComparison.Ordinal));
            Assert.StartsWith("stackweave: " + path + ": at byte ", salvaged, StringComparison.Ordinal);
        }
        finally { dir.Delete(recursive: true); }
    }
}
