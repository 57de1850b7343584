using System.Text;

namespace Stackweave.Cli;

/// <summary>Where a command writes: stdout, or a file written under a temporary name and moved into place only on success.</summary>
public sealed class OutputTarget : IDisposable
{
    private readonly string? _path;
    private readonly string? _temp;
    private readonly Stream _stream;
    private bool _committed;

    private OutputTarget(string? path, string? temp, Stream stream)
    {
        _path = path; _temp = temp; _stream = stream;
        Writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n", AutoFlush = false };
    }

    /// <summary>The text writer to use.</summary>
    public StreamWriter Writer { get; }

    /// <summary>Opens <paramref name="path"/> ("-" or null = stdout).</summary>
    public static OutputTarget Open(string? path, Stream stdout)
    {
        if (path is null || path == "-") return new OutputTarget(null, null, stdout);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new UsageException($"output folder {dir} does not exist");
        var temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".stackweave-" + Environment.ProcessId + ".tmp");
        return new OutputTarget(full, temp, new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
    }

    /// <summary>Flushes and, for a file, moves the temporary file into place.</summary>
    public void Commit()
    {
        Writer.Flush();
        if (_path is not null)
        {
            _stream.Dispose();
            File.Move(_temp!, _path, overwrite: true);
        }
        _committed = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_committed) return;
        if (_path is null) { try { Writer.Flush(); } catch (IOException) { } return; }
        _stream.Dispose();
        try { File.Delete(_temp!); } catch (IOException) { }
    }
}
