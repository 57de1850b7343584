using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Speedscope;

/// <summary>One named frame as the speedscope and CSV writers show it.</summary>
/// <param name="Name">Function name, or <c>[module+0xoffset]</c> for an address no symbol covers.</param>
/// <param name="Module">Path of the mapping the address is in (<c>[unknown]</c> without one).</param>
/// <param name="File">Source file of the function, null when unknown.</param>
/// <param name="Line">First source line of the function, 0 when unknown.</param>
public readonly record struct NamedFrame(string Name, string Module, string? File, long Line);

/// <summary>
/// The distinct named frames of a profile: every location becomes one frame per function it resolves to (outer
/// function first, then the functions inlined into it), and equal (name, module, file, line) share one frame.
/// Frames are numbered in order of first use.
/// </summary>
public sealed class FrameTable
{
    private readonly Profile _profile;
    private readonly List<NamedFrame> _frames = [];
    private readonly Dictionary<NamedFrame, int> _ids = [];
    private readonly int[] _locStart;   // index into _locFrames, -1 until computed
    private readonly int[] _locCount;
    private readonly List<int> _locFrames = [];

    /// <summary>Creates an empty table over <paramref name="profile"/>.</summary>
    public FrameTable(Profile profile)
    {
        _profile = profile;
        _locStart = new int[profile.Locations.Count];
        _locCount = new int[profile.Locations.Count];
        Array.Fill(_locStart, -1);
    }

    /// <summary>Number of frames numbered so far.</summary>
    public int Count => _frames.Count;

    /// <summary>The frame with id <paramref name="id"/>.</summary>
    public NamedFrame this[int id] => _frames[id];

    /// <summary>Frame ids of a location, outermost function first.</summary>
    public ReadOnlySpan<int> OfLocation(int location)
    {
        if (_locStart[location] < 0) Fill(location);
        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_locFrames).Slice(_locStart[location], _locCount[location]);
    }

    /// <summary>Writes the frame ids of a stack root-first into <paramref name="buffer"/> (cleared first).</summary>
    public void RootFirst(int stack, List<int> buffer, List<int> scratch)
    {
        _profile.Stacks.LeafFirst(stack, scratch);
        buffer.Clear();
        for (var k = scratch.Count - 1; k >= 0; k--)
            foreach (var f in OfLocation(scratch[k])) buffer.Add(f);
    }

    /// <summary>The frame of a timeline mark named <paramref name="name"/> (module <c>[mark]</c>, no file), adding it if new.</summary>
    public int OfMark(string name) => Intern(new NamedFrame(name, "[mark]", null, 0));

    /// <summary>Numbers the frames of every location that some stack node uses, in stack-node order.</summary>
    public void AddAllStacks()
    {
        var stacks = _profile.Stacks;
        for (var s = 0; s < stacks.Count; s++) OfLocation(stacks.Location(s));
    }

    private void Fill(int location)
    {
        var loc = _profile.Locations[location];
        var module = ModuleOf(loc);
        var start = _locFrames.Count;
        if (loc.Lines.Count == 0) _locFrames.Add(Intern(new NamedFrame(UnresolvedName(loc, module), module, null, 0)));
        else
        {
            // Lines are innermost first; frames go outermost first.
            for (var k = loc.Lines.Count - 1; k >= 0; k--)
            {
                var fn = _profile.Functions[loc.Lines[k].FunctionId];
                var file = _profile.Strings[fn.FileName];
                _locFrames.Add(Intern(new NamedFrame(_profile.Strings[fn.Name], module, file.Length == 0 ? null : file, fn.StartLine)));
            }
        }
        _locStart[location] = start;
        _locCount[location] = _locFrames.Count - start;
    }

    private int Intern(NamedFrame f)
    {
        if (_ids.TryGetValue(f, out var id)) return id;
        id = _frames.Count;
        _frames.Add(f);
        _ids.Add(f, id);
        return id;
    }

    private string ModuleOf(Location loc)
        => (uint)loc.MappingId < (uint)_profile.Mappings.Count ? _profile.Mappings[loc.MappingId].Path : "[unknown]";

    /// <summary><c>[module+0xoffset]</c> (DESIGN.md: unresolved addresses are never dropped), with perf's offset rule.</summary>
    private string UnresolvedName(Location loc, string module)
    {
        var address = loc.Address;
        if ((uint)loc.MappingId < (uint)_profile.Mappings.Count)
        {
            var m = _profile.Mappings[loc.MappingId];
            // perf's map__map_ip: file-backed user and vdso mappings are shown relative to the file; others raw.
            if (m.Kind is MappingKind.User or MappingKind.Vdso) address = loc.Address - m.Start + m.FileOffset;
        }
        var name = Path.GetFileName(module.Trim('[', ']'));
        if (name.Length == 0) name = "unknown";
        return string.Concat("[", name, "+0x", address.ToString("x", CultureInfo.InvariantCulture), "]");
    }
}
