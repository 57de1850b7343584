using System.Buffers.Binary;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Linux perf.data (file, pipe and directory modes).</summary>
public sealed class PerfDataFormat : ICaptureFormat
{
    /// <summary>The singleton.</summary>
    public static PerfDataFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "perf.data";
    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".data", ".perf"];
    /// <inheritdoc/>
    public int HeaderSize => 8;

    /// <inheritdoc/>
    public DetectResult Detect(ReadOnlySpan<byte> header)
    {
        if (header.Length < 8) return "PERFILE2"u8.StartsWith(header) || "2ELIFREP"u8.StartsWith(header) ? DetectResult.NeedMore : DetectResult.No;
        var m = BinaryPrimitives.ReadUInt64LittleEndian(header);
        return m is PerfConstants.Magic2 or PerfConstants.Magic2Swapped ? DetectResult.Yes : DetectResult.No;
    }

    /// <inheritdoc/>
    public Profile Read(Stream input, string path, ReadOptions options)
    {
        using var file = PerfDataFile.Open(input, path, options);
        return PerfProfileBuilder.Build(file, options);
    }

    /// <summary>Reads a <c>perf.data/</c> directory (perf record --threads).</summary>
    public Profile ReadDirectory(string path, ReadOptions options)
    {
        using var file = PerfDataFile.OpenDirectory(path, options);
        return PerfProfileBuilder.Build(file, options);
    }
}
