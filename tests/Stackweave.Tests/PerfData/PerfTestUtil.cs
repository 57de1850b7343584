using Stackweave.Formats;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>Helpers to open the real captures in testdata/.</summary>
internal static class PerfTestUtil
{
    /// <summary>Capture directories that have a perf report --stats golden file.</summary>
    public static IEnumerable<string> CaptureNames()
    {
        foreach (var d in Directory.GetDirectories(RepoPaths.TestData()).Order(StringComparer.Ordinal))
            if (Directory.GetFiles(d, "*.stats.txt").Length > 0) yield return System.IO.Path.GetFileName(d);
    }

    public static TheoryData<string> Captures()
    {
        var t = new TheoryData<string>();
        foreach (var c in CaptureNames()) t.Add(c);
        return t;
    }

    /// <summary>The capture file or directory of a capture directory, and its golden prefix.</summary>
    public static (string Capture, string GoldenPrefix) Locate(string name)
    {
        var dir = RepoPaths.TestData(name);
        var stats = Directory.GetFiles(dir, "*.stats.txt").Single();
        var prefix = stats[..^".stats.txt".Length];
        return (prefix, prefix);
    }

    public static PerfDataFile Open(string name, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        var (capture, _) = Locate(name);
        if (Directory.Exists(capture)) return PerfDataFile.OpenDirectory(capture, options);
        var fs = File.OpenRead(capture);
        return PerfDataFile.Open(fs, capture, options);
    }


    /// <summary>Walks the data section of a little-endian file-mode capture: (offset, type, size) per record.</summary>
    public static List<(long Offset, uint Type, int Size)> WalkData(byte[] file)
    {
        var dataOff = (long)BitConverter.ToUInt64(file, 40);
        var dataSize = (long)BitConverter.ToUInt64(file, 48);
        var list = new List<(long, uint, int)>();
        for (var p = dataOff; p < dataOff + dataSize;)
        {
            var type = BitConverter.ToUInt32(file, (int)p);
            var size = BitConverter.ToUInt16(file, (int)p + 6);
            list.Add((p, type, size));
            // HEADER_TRACING_DATA (66): a u32 size after the header; that many payload bytes follow the record
            if (type == 66) p += BitConverter.ToUInt32(file, (int)p + 8);
            p += size;
        }
        return list;
    }
}
