namespace Stackweave.Formats.Model;

/// <summary>A function: display name, mangled (system) name and source file, as string ids.</summary>
public sealed class Function
{
    /// <summary>Index of this function in <see cref="Profile.Functions"/>.</summary>
    public int Id { get; init; }
    /// <summary>Display name (string id).</summary>
    public int Name { get; init; }
    /// <summary>Mangled name (string id).</summary>
    public int SystemName { get; init; }
    /// <summary>Source file (string id, 0 when unknown).</summary>
    public int FileName { get; init; }
    /// <summary>First source line of the function, 0 when unknown.</summary>
    public long StartLine { get; init; }
}

/// <summary>One frame of a location: a function and a line; several when code was inlined.</summary>
public readonly record struct Line(int FunctionId, long LineNumber, long Column = 0);
