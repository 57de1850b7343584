namespace Stackweave.Formats.IO;

/// <summary>The input is not what its format requires: names the file, the byte offset and what was expected.</summary>
public class CaptureFormatException : Exception
{
    /// <summary>Creates the error.</summary>
    public CaptureFormatException(string file, long offset, string expected, Exception? inner = null)
        : base(FormattableString.Invariant($"{file}: at byte {offset}: {expected}"), inner)
    {
        File = file;
        Offset = offset;
        Expected = expected;
    }

    /// <summary>The input file as given by the user.</summary>
    public string File { get; }
    /// <summary>Byte offset (in the decompressed stream) where reading failed.</summary>
    public long Offset { get; }
    /// <summary>What was expected there.</summary>
    public string Expected { get; }
}

/// <summary>Thrown when no registered format recognises an input.</summary>
public sealed class UnknownFormatException(string file, string supported)
    : CaptureFormatException(file, 0, "a known capture format (" + supported + ")");

/// <summary>Damage a reader skipped under salvage: the first damaged place, and what was lost in all.</summary>
public sealed class SkippedDamageException(CaptureFormatException first, string lost, bool readToEnd)
    : CaptureFormatException(first.File, first.Offset, first.Expected + "; " + lost, first)
{
    /// <summary>What was skipped in all (places, bytes, records).</summary>
    public string Lost { get; } = lost;
    /// <summary>True when reading went on to the end of the input past every damaged place.</summary>
    public bool ReadToEnd { get; } = readToEnd;
}
