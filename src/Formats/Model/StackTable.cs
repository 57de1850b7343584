namespace Stackweave.Formats.Model;

/// <summary>Stacks as a prefix tree: each stack is (parent stack, location); stack -1 is the empty stack (the root).</summary>
public sealed class StackTable
{
    /// <summary>The id of the empty stack.</summary>
    public const int Root = -1;

    private readonly List<int> _parent = [];
    private readonly List<int> _location = [];
    private IdMap<ulong, U64Hash>? _ids = new(1024); // null after TrimLookup until the next Push

    /// <summary>Number of stack nodes.</summary>
    public int Count => _parent.Count;

    /// <summary>Parent of a stack node (<see cref="Root"/> for a root frame).</summary>
    public int Parent(int stack) => _parent[stack];

    /// <summary>Location of the innermost frame of a stack node.</summary>
    public int Location(int stack) => _location[stack];

    /// <summary>Returns the stack that extends <paramref name="parent"/> by <paramref name="location"/> (callee), adding it if new.</summary>
    public int Push(int parent, int location)
    {
        var key = ((ulong)(uint)parent << 32) | (uint)location;
        var id = (_ids ??= Lookup()).GetOrAdd(key, _parent.Count);
        if (id == _parent.Count)
        {
            _parent.Add(parent);
            _location.Add(location);
        }
        return id;
    }

    /// <summary>
    /// Drops the hash table that finds existing nodes (a third of the table's memory on large captures); the next
    /// <see cref="Push"/> builds it again. For a profile that is read and now only walked (written out).
    /// </summary>
    public void TrimLookup() => _ids = null;

    private IdMap<ulong, U64Hash> Lookup()
    {
        var ids = new IdMap<ulong, U64Hash>(Math.Max(1024, _parent.Count));
        for (var i = 0; i < _parent.Count; i++) ids.GetOrAdd(((ulong)(uint)_parent[i] << 32) | (uint)_location[i], i);
        return ids;
    }

    /// <summary>Interns a stack given root-first locations.</summary>
    public int FromRootFirst(ReadOnlySpan<int> locations)
    {
        var s = Root;
        foreach (var l in locations) s = Push(s, l);
        return s;
    }

    /// <summary>Writes the locations of a stack leaf-first into <paramref name="buffer"/> (cleared first).</summary>
    public void LeafFirst(int stack, List<int> buffer)
    {
        buffer.Clear();
        for (var s = stack; s != Root; s = _parent[s]) buffer.Add(_location[s]);
    }
}
