using Stackweave.Formats.Model;

namespace Stackweave.Tests;

public class ModelTests
{
    [Fact]
    public void StackTableInternsPrefixes()
    {
        var t = new StackTable();
        var a = t.FromRootFirst([1, 2, 3]);
        var b = t.FromRootFirst([1, 2, 4]);
        Assert.Equal(4, t.Count);
        Assert.Equal(t.Parent(a), t.Parent(b));
        var buf = new List<int>();
        t.LeafFirst(b, buf);
        Assert.Equal([4, 2, 1], buf);
    }

    /// <summary>After the lookups are dropped, interning finds every existing stack and location again and adds only new ones.</summary>
    [FsCheck.Xunit.Property(MaxTest = 100)]
    public bool TrimmedLookupsInternAsBefore(FsCheck.NonEmptyArray<(byte Mapping, byte Address, bool Ret)> frames, byte split)
    {
        var p = new Profile([new SampleType("samples", "count")]);
        var items = frames.Get;
        var cut = split % items.Length;
        var locs = new int[items.Length];
        var stacks = new int[items.Length];
        int Intern(int i)
        {
            locs[i] = p.InternLocation(items[i].Mapping % 3 - 1, items[i].Address, items[i].Ret);
            return p.Stacks.Push(i == 0 ? StackTable.Root : stacks[(i - 1) / 2], locs[i]);
        }
        for (var i = 0; i < cut; i++) stacks[i] = Intern(i);
        var counts = (p.Locations.Count, p.Stacks.Count);
        p.TrimLookups();
        // everything interned before the trim comes back with its id and adds nothing
        for (var i = 0; i < cut; i++)
        {
            var (l, s) = (locs[i], stacks[i]);
            if (Intern(i) != s || locs[i] != l) return false;
        }
        if ((p.Locations.Count, p.Stacks.Count) != counts) return false;
        // the rest interns as into a profile that never trimmed
        var fresh = new Profile([new SampleType("samples", "count")]);
        var freshStacks = new int[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var l = fresh.InternLocation(items[i].Mapping % 3 - 1, items[i].Address, items[i].Ret);
            freshStacks[i] = fresh.Stacks.Push(i == 0 ? StackTable.Root : freshStacks[(i - 1) / 2], l);
            if (i >= cut) stacks[i] = Intern(i);
        }
        return stacks.AsSpan().SequenceEqual(freshStacks) && p.Locations.Count == fresh.Locations.Count && p.Stacks.Count == fresh.Stacks.Count;
    }

    [Fact]
    public void StringTableStartsWithEmpty()
    {
        var s = new StringTable();
        Assert.Equal("", s[0]);
        Assert.Equal(1, s.Intern("x"));
        Assert.Equal(1, s.Intern("x"));
    }
}
