using System.IO.Compression;
using System.Text.RegularExpressions;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.DebugJit;

/// <summary>Files of testdata/debugjit (made by testdata/regen-debugjit.sh) and helpers to compare with perf's text.</summary>
internal static partial class DebugJitData
{
    public static string Path(params string[] parts) => RepoPaths.TestData(["debugjit", .. parts]);

    /// <summary>A gzip'd golden's text.</summary>
    public static string Gz(params string[] parts)
    {
        using var gz = new GZipStream(File.OpenRead(Path(parts)), CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        return r.ReadToEnd();
    }

    /// <summary>Copies the capture's JIT files into <paramref name="dir"/> under their real names (.gz/.zst unpacked).</summary>
    public static void UnpackJitFiles(string capture, string dir, bool maps = true, bool dumps = true)
    {
        foreach (var f in Directory.GetFiles(Path(capture)))
        {
            var name = System.IO.Path.GetFileName(f);
            if (maps && name.StartsWith("perf-", StringComparison.Ordinal) && name.EndsWith(".map", StringComparison.Ordinal))
                File.Copy(f, System.IO.Path.Combine(dir, name), overwrite: true);
            if (!dumps || !name.StartsWith("jit-", StringComparison.Ordinal)) continue;
            using var input = File.OpenRead(f);
            using Stream s = name.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(input, CompressionMode.Decompress)
                : name.EndsWith(".zst", StringComparison.Ordinal) ? new ZstdSharp.DecompressionStream(input) : input;
            using var output = File.Create(System.IO.Path.Combine(dir, name[..(name.IndexOf(".dump", StringComparison.Ordinal) + 5)]));
            s.CopyTo(output);
        }
    }

    /// <summary>One callchain line of perf script text: printed address, symbol with offset, dso.</summary>
    public readonly record struct Frame(string Address, string Symbol, string Dso);

    [GeneratedRegex(@"^\t\s*([0-9a-f]+) (.*) \((.*)\)$")]
    private static partial Regex FrameLine();

    /// <summary>The frames of each sample, in order, of perf script's default text.</summary>
    public static List<List<Frame>> Samples(string text)
    {
        var all = new List<List<Frame>>();
        List<Frame>? cur = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) { cur = null; continue; }
            if (line[0] != '\t') { cur = []; all.Add(cur); continue; }
            var m = FrameLine().Match(line);
            if (m.Success && cur is not null) cur.Add(new Frame(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value));
        }
        return all;
    }

    /// <summary>True for the dso perf shows for JIT code: a perf map, or a jitted-PID-N.so of perf inject --jit.</summary>
    public static bool IsJitDso(string dso) => MappingClassifier.IsPerfMapPath(dso) || System.IO.Path.GetFileName(dso).StartsWith("jitted-", StringComparison.Ordinal);

    /// <summary>
    /// Null when every user-space binary the capture recorded with a build id is on this machine with that build id
    /// (perf then named their frames from the same files), else why not.
    /// </summary>
    public static string? RecordedBinariesDiffer(string capture)
    {
        using var file = PerfDataFile.Open(File.OpenRead(Path(capture, "perf.data")), "perf.data", ReadOptions.Default);
        foreach (var b in file.Features.BuildIds)
        {
            if (b.Filename.StartsWith('[') || b.Filename.StartsWith("/tmp/", StringComparison.Ordinal)) continue;
            if (!File.Exists(b.Filename)) return b.Filename + " is not on this machine";
            try
            {
                using var elf = ElfFile.Open(b.Filename);
                if (!string.Equals(elf.BuildId, BinaryLocator.Normalize(b.BuildId), StringComparison.Ordinal)) return b.Filename + " has another build id here";
            }
            catch (CaptureFormatException) { }
        }
        return null;
    }
}

/// <summary>A fact that needs the binaries a testdata/debugjit capture recorded, unchanged (skipped, never passed, elsewhere).</summary>
public sealed class RequiresRecordedBinariesFactAttribute : FactAttribute
{
    /// <summary>Skips unless the capture's recorded binaries are here with their build ids.</summary>
    public RequiresRecordedBinariesFactAttribute(string capture)
    {
        if (DebugJitData.RecordedBinariesDiffer(capture) is { } why) Skip = why + " (perf named its frames from the recording machine's files)";
    }
}
