using System.Text;
using Stackweave.Formats.PerfData.Tracing;

namespace Stackweave.Tests.Tracing;

public class KernelSymbolsTests
{
    [Fact]
    public void LooksUpContainingSymbolAndPicksOneNamePerAddress()
    {
        var text = """
            ffffffff81000000 T _stext
            ffffffff81000100 t __local_alias
            ffffffff81000100 T global_name
            ffffffff81000100 W weak_name
            ffffffff81000200 t local_fn	[some_module]
            ffffffff81000300 r rodata_is_skipped
            ffffffff81000400 T last
            garbage line
            """;
        var k = KernelSymbols.Parse(Encoding.ASCII.GetBytes(text));
        Assert.Equal(4, k.Count);
        Assert.True(k.Resolve(0xffffffff81000150, out var name, out var start));
        Assert.Equal(("global_name", 0xffffffff81000100UL), (name, start));
        Assert.True(k.Resolve(0xffffffff81000350, out name, out _));
        Assert.Equal("local_fn", name); // 'r' symbols are not kept, so local_fn extends to 'last'
        Assert.False(k.Resolve(0xffffffff80ffffff, out _, out _));
        Assert.True(k.Resolve(0xffffffff81000400, out name, out _));
        Assert.Equal("last", name);
        Assert.False(k.Resolve(0xffffffff81000401, out _, out _)); // past the last symbol: no known end
    }
}
