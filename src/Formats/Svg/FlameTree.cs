using System.Runtime.InteropServices;
using System.Text;
using Stackweave.Formats.Folded;

namespace Stackweave.Formats.Svg;

/// <summary>
/// Folded lines merged into one frame tree (node 0 is the root, "all"): a frame's total is the sum of the counts of
/// every line whose frames start with the frame's path, so each node's weight equals the folded weights. Children keep
/// the order in which they first appear in the (sorted) lines, as flamegraph.pl lays them out.
/// </summary>
public sealed class FlameTree
{
    private readonly List<int> _parent;
    private readonly List<int> _name;
    private readonly List<int> _depth;
    private readonly List<UInt128> _total;
    private readonly List<UInt128> _base = [];      // differential trees only
    private readonly List<Int128> _selfDelta = [];  // differential trees only
    private readonly List<int> _firstChild;
    private readonly List<int> _lastChild;
    private readonly List<int> _next;
    // children by (parent, name id) packed in a long; names interned once (looked up by span, no substring per frame)
    private readonly Dictionary<long, int> _children;
    private readonly List<string> _names = ["all"];
    private readonly Dictionary<string, int> _nameIds = new(StringComparer.Ordinal) { ["all"] = 0 };
    private bool _differential;

    /// <summary>An empty tree (the root alone).</summary>
    public FlameTree() : this(0) { }

    /// <summary>An empty tree with room for <paramref name="capacity"/> nodes besides the root (an upper bound spares the regrowth of every column).</summary>
    public FlameTree(int capacity)
    {
        capacity = Math.Max(0, capacity) + 1;
        _parent = new(capacity) { -1 };
        _name = new(capacity) { 0 };
        _depth = new(capacity) { 0 };
        _total = new(capacity) { 0 };
        _firstChild = new(capacity) { -1 };
        _lastChild = new(capacity) { -1 };
        _next = new(capacity) { -1 };
        _children = new(capacity);
    }

    /// <summary>The most nodes the lines can make besides the root: their frames counted one by one (shared prefixes make fewer).</summary>
    internal static int NodeBound(FoldedLines lines)
    {
        long n = 0;
        for (var i = 0; i < lines.Count; i++) n += lines.Text(i).Count((byte)';') + 1;
        return (int)Math.Min(n, Array.MaxLength / 32);
    }

    /// <summary>Number of nodes, the root included.</summary>
    public int Count => _parent.Count;
    /// <summary>Parent of a node (-1 for the root).</summary>
    public int Parent(int node) => _parent[node];
    /// <summary>Frame name of a node ("all" for the root).</summary>
    public string Name(int node) => _names[_name[node]];
    /// <summary>Depth of a node (the root is 0, a folded line's first frame 1).</summary>
    public int Depth(int node) => _depth[node];
    /// <summary>Summed count of the lines through a node.</summary>
    public UInt128 Total(int node) => _total[node];
    /// <summary>Summed base count of the lines through a node (differential graphs).</summary>
    public UInt128 BaseTotal(int node) => _differential ? _base[node] : 0;
    /// <summary>Sum of (count − base count) of the lines ending exactly at a node: what flamegraph.pl colours a differential frame by.</summary>
    public Int128 SelfDelta(int node) => _differential ? _selfDelta[node] : 0;
    /// <summary>First child of a node, -1 when none.</summary>
    public int FirstChild(int node) => _firstChild[node];
    /// <summary>Next sibling of a node, -1 when none.</summary>
    public int NextSibling(int node) => _next[node];
    /// <summary>Largest |count − base count| of one line (at least 1, as flamegraph.pl starts it): the differential colour scale.</summary>
    public UInt128 MaxLineDelta { get; private set; } = 1;
    /// <summary>Deepest node's depth.</summary>
    public int MaxDepth { get; private set; }

    /// <summary>Builds the tree of folded lines (<c>frame;frame</c>, count).</summary>
    public static FlameTree FromLines(IEnumerable<KeyValuePair<string, UInt128>> lines)
    {
        var t = new FlameTree();
        foreach (var (stack, count) in lines) t.Add(stack, count, 0, differential: false);
        return t;
    }

    /// <summary>
    /// Builds the tree of folded lines held as UTF-8 (<see cref="FoldedWriter.CollapseUtf8"/>): each line is decoded into one
    /// reused buffer, so no string per line is made (only the distinct frame names become strings). Same tree as
    /// <see cref="FromLines"/> on the same lines as strings.
    /// </summary>
    internal static FlameTree FromUtf8(FoldedLines lines)
    {
        var t = new FlameTree(NodeBound(lines));
        var buffer = Array.Empty<char>();
        for (var i = 0; i < lines.Count; i++) t.AddUtf8(lines.Text(i), lines.Sum(i), ref buffer);
        return t;
    }

    /// <summary>Adds one folded line given as UTF-8 and returns the node it ends at; <paramref name="buffer"/> is reused (and grown) for the decoded text.</summary>
    internal int AddUtf8(ReadOnlySpan<byte> stack, UInt128 count, ref char[] buffer)
    {
        var max = Encoding.UTF8.GetMaxCharCount(stack.Length);
        if (max > buffer.Length) buffer = new char[Math.Max(max, buffer.Length * 2)];
        var n = Encoding.UTF8.GetChars(stack, buffer);
        return Add(buffer.AsSpan(0, n), count, 0, differential: false);
    }

    /// <summary>
    /// Builds a differential tree as <c>difffolded.pl BASE NEW | flamegraph.pl</c> draws it: frames are sized by the new
    /// counts; each line's delta (new − base) colours the frame it ends at. Lines only in the base add nothing visible.
    /// </summary>
    public static FlameTree FromDiff(IEnumerable<KeyValuePair<string, UInt128>> lines, IEnumerable<KeyValuePair<string, UInt128>> baseLines)
    {
        var baseCounts = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        foreach (var (stack, count) in baseLines) CollectionsMarshal.GetValueRefOrAddDefault(baseCounts, stack, out _) += count;
        var t = new FlameTree { _differential = true };
        t._base.Add(0);
        t._selfDelta.Add(0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stack, count) in lines)
        {
            baseCounts.TryGetValue(stack, out var b);
            seen.Add(stack);
            t.Add(stack, count, b, differential: true);
        }
        foreach (var (stack, b) in baseCounts)
        {
            if (seen.Contains(stack)) continue;
            if (b > t.MaxLineDelta) t.MaxLineDelta = b;
            // a line only in the base still colours the frame it ends at, when the new profile drew that frame
            if (t.Find(stack) is var node and > 0) t._selfDelta[node] -= (Int128)b;
        }
        return t;
    }

    /// <summary>The node of a folded path (<c>frame;frame</c>), -1 when the tree has none.</summary>
    public int Find(string stack)
    {
        var node = 0;
        var rest = stack.AsSpan();
        var lookup = _nameIds.GetAlternateLookup<ReadOnlySpan<char>>();
        while (node >= 0)
        {
            var end = rest.IndexOf(';');
            var name = end < 0 ? rest : rest[..end];
            node = lookup.TryGetValue(name, out var id) && _children.TryGetValue(Key(node, id), out var c) ? c : -1;
            if (end < 0) break;
            rest = rest[(end + 1)..];
        }
        return node;
    }

    private int Add(ReadOnlySpan<char> stack, UInt128 count, UInt128 baseCount, bool differential)
    {
        var node = 0;
        _total[0] += count;
        if (differential) _base[0] += baseCount;
        var rest = stack;
        var lookup = _nameIds.GetAlternateLookup<ReadOnlySpan<char>>();
        while (true)
        {
            var end = rest.IndexOf(';');
            var name = end < 0 ? rest : rest[..end];
            if (!lookup.TryGetValue(name, out var id))
            {
                id = _names.Count;
                var str = name.ToString();
                _names.Add(str);
                _nameIds.Add(str, id);
            }
            node = Child(node, id);
            _total[node] += count;
            if (differential) _base[node] += baseCount;
            if (end < 0) break;
            rest = rest[(end + 1)..];
        }
        if (differential)
        {
            var d = (Int128)count - (Int128)baseCount;
            _selfDelta[node] += d;
            var a = (UInt128)(d < 0 ? -d : d);
            if (a > MaxLineDelta) MaxLineDelta = a;
        }
        return node;
    }

    private static long Key(int parent, int nameId) => ((long)parent << 32) | (uint)nameId;

    /// <summary>The child of <paramref name="parent"/> named <paramref name="name"/>, -1 when there is none.</summary>
    public int ChildNamed(int parent, string name)
        => _nameIds.TryGetValue(name, out var id) && _children.TryGetValue(Key(parent, id), out var c) ? c : -1;

    private int Child(int parent, int nameId)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_children, Key(parent, nameId), out var exists);
        if (exists) return slot;
        var id = _parent.Count;
        slot = id;
        _parent.Add(parent); _name.Add(nameId); _depth.Add(_depth[parent] + 1);
        _total.Add(0);
        if (_differential) { _base.Add(0); _selfDelta.Add(0); }
        _firstChild.Add(-1); _lastChild.Add(-1); _next.Add(-1);
        if (_lastChild[parent] < 0) _firstChild[parent] = id; else _next[_lastChild[parent]] = id;
        _lastChild[parent] = id;
        if (_depth[id] > MaxDepth) MaxDepth = _depth[id];
        return id;
    }
}
