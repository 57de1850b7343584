namespace Stackweave.Merge.Unwind;

/// <summary>Malformed call frame information (or a DWARF expression the unwinder cannot evaluate).</summary>
public sealed class CfiException(string message) : Exception(message);
