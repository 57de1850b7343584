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

    [Fact]
    public void StringTableStartsWithEmpty()
    {
        var s = new StringTable();
        Assert.Equal("", s[0]);
        Assert.Equal(1, s.Intern("x"));
        Assert.Equal(1, s.Intern("x"));
    }
}
