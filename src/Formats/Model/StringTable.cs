namespace Stackweave.Formats.Model;

/// <summary>Interned strings; id 0 is always the empty string.</summary>
public sealed class StringTable
{
    private readonly List<string> _strings = [""];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal) { [""] = 0 };

    /// <summary>Number of distinct strings, including the empty one.</summary>
    public int Count => _strings.Count;

    /// <summary>The string with the given id.</summary>
    public string this[int id] => _strings[id];

    /// <summary>Returns the id of <paramref name="s"/>, adding it if new.</summary>
    public int Intern(string s)
    {
        if (_ids.TryGetValue(s, out var id)) return id;
        id = _strings.Count;
        _strings.Add(s);
        _ids.Add(s, id);
        return id;
    }
}
