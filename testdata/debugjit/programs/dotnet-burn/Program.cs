// A CPU-bound workload whose hot methods are JIT-compiled: Burner.Outer -> Burner.Middle -> Burner.Inner.
using System.Diagnostics;
using System.Runtime.CompilerServices;

var ms = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var sw = Stopwatch.StartNew();
long acc = 0;
while (sw.ElapsedMilliseconds < ms) acc += Burner.Outer(20000);
Console.WriteLine(acc & 0xff);

static class Burner
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Outer(int n) => Middle(n) + Middle(n / 2);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Middle(int n)
    {
        long s = 0;
        for (var i = 0; i < n; i++) s += Inner(i);
        return s;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Inner(int i) => (i * 2654435761L) ^ (i >> 3);
}
