using Stackweave.Merge.Symbols;
using System.Diagnostics;
using FsCheck.Xunit;
using Stackweave.Merge.Symbols.Demangle;

namespace Stackweave.Tests.Demangle;

/// <summary>Hostile input: random strings and mutated real names never throw and finish quickly.</summary>
public class PropertyTests
{
    // Generous per-name budget: real names allocate kilobytes; an exponential path (or an unbounded output) would not.
    private const long AllocationBudget = 16L << 20;

    private static readonly Lazy<string[]> Seeds = new(() =>
    {
        var cxx = CorpusTests.ReadTsvGz("corpus.tsv.gz");
        var rust = CorpusTests.ReadTsvGz("rust-corpus.tsv.gz");

        // Every 16th C++ name and every 4th Rust name: a spread over all kinds, small enough to load fast.
        return cxx.Where((_, i) => i % 16 == 0).Concat(rust.Where((_, i) => i % 4 == 0)).Select(x => x.Mangled).ToArray();
    });

    // Characters that occur in mangled names, so random strings reach deep into the parsers.
    private const string Alphabet = "_ZNRSEIJLTXKVOPDCAMFUBGHQYWabcdefghijklmnopqrstuvwxyz0123456789$.";

    private static bool Survives(string s)
    {
        // Bounded work, measured deterministically as memory allocated (a wall-clock budget fails on a loaded machine).
        var before = GC.GetAllocatedBytesForCurrentThread();
        string? a = Demangler.Demangle(s, DemangleStyle.Full);
        string? b = Demangler.Demangle(s, DemangleStyle.Perf);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated < AllocationBudget && (a is null || a.Length > 0) && (b is null || b.Length > 0);
    }

    [Property(MaxTest = 2000)]
    public bool Random_strings_never_throw(string? s) => Survives(s ?? string.Empty);

    [Property(MaxTest = 10000)]
    public bool Random_mangling_alphabet_strings_never_throw(bool rust, int[]? picks)
    {
        var sb = new System.Text.StringBuilder(rust ? "_R" : "_Z");
        foreach (int p in picks ?? Array.Empty<int>())
        {
            sb.Append(Alphabet[(int)((uint)p % (uint)Alphabet.Length)]);
        }

        return Survives(sb.ToString());
    }

    [Property(MaxTest = 20000)]
    public bool Mutated_real_names_never_throw(int seed, int[]? raw)
    {
        string[] seeds = Seeds.Value;
        string name = seeds[(int)((uint)seed % (uint)seeds.Length)];
        raw ??= Array.Empty<int>();
        var ops = new List<(int, (int, char))>();
        for (int i = 0; i + 2 < raw.Length && ops.Count < 6; i += 3)
        {
            ops.Add(((int)((uint)raw[i] % 5), ((int)((uint)raw[i + 1] & 0x7fffffff), Alphabet[(int)((uint)raw[i + 2] % (uint)Alphabet.Length)])));
        }

        if (ops.Count == 0)
        {
            ops.Add((2, ((int)((uint)seed & 0x7fffffff), 'S')));
        }

        return Survives(Mutate(name, ops.ToArray()));
    }

    private static string Mutate(string s, (int Op, (int Pos, char C) Arg)[] ops)
    {
        var sb = new System.Text.StringBuilder(s);
        foreach (var (op, (p, c)) in ops)
        {
            int pos = sb.Length == 0 ? 0 : p % sb.Length;
            switch (op)
            {
                case 0:
                    sb.Insert(pos, c);
                    break;
                case 1:
                    if (sb.Length > 0)
                    {
                        sb.Remove(pos, 1);
                    }

                    break;
                case 2:
                    if (sb.Length > 0)
                    {
                        sb[pos] = c;
                    }

                    break;
                case 3:
                    sb.Length = pos;
                    break;
                default:
                    // Duplicate a tail segment: makes substitution references and nesting go wild.
                    string tail = sb.ToString(pos, Math.Min(40, sb.Length - pos));
                    sb.Insert(pos, tail);
                    break;
            }
        }

        return sb.ToString();
    }

    [Fact]
    public void Deep_nesting_is_rejected_without_stack_overflow()
    {
        foreach (string s in new[]
        {
            "_Z1f" + new string('P', 200000) + "i",
            "_Z1f" + string.Concat(Enumerable.Repeat("St6vectorI", 50000)) + "i",
            "_ZN" + string.Concat(Enumerable.Repeat("1aI", 50000)),
            "_Z1fIXadL_Z" + string.Concat(Enumerable.Repeat("1gIXadL_Z", 50000)),
            "_RNvNvNv" + string.Concat(Enumerable.Repeat("INtB2_", 100000)),
            "_RIC3fooTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT" + new string('T', 100000),
        })
        {
            Assert.True(Survives(s), s[..40]);
        }
    }

    [Fact]
    public void A_name_that_demangles_to_nothing_keeps_its_mangled_form()
    {
        // found by Random_mangling_alphabet_strings_never_throw: a v0 crate root with an empty identifier
        Assert.Null(Demangler.Demangle("_RC0", DemangleStyle.Perf));
        Assert.Equal("_RC0", Symbolizer.DisplayName("_RC0", DemangleStyle.Perf));
    }

    [Fact]
    public void Substitution_blowup_is_bounded()
    {
        // _Z1fI1AIiES_IS0_S0_ES_IS1_S1_E…: each argument is f<previous, previous>, so the text doubles per
        // level. c++filt 2.40 prints 1,212,277 characters for these 313; we stop at our output cap (64 KiB)
        // and return null instead (a documented divergence), quickly and without a huge allocation.
        var sb = new System.Text.StringBuilder("_Z1fI1AIiE");
        for (int i = 0; i < 30; i++)
        {
            string r = "S" + ToBase36(i) + "_";
            sb.Append("S_I").Append(r).Append(r).Append('E');
        }

        sb.Append("Evv");
        string name = sb.ToString();
        Assert.Equal(313, name.Length);
        Assert.True(Survives(name));
        Assert.Null(Demangler.Demangle(name, DemangleStyle.Full));

        // The first levels are still printed as c++filt does.
        Assert.Equal("void f<A<int>, f<A, A> >()", Demangler.Demangle("_Z1fI1AIiES_IS0_S0_EEvv", DemangleStyle.Full));
    }

    private static string ToBase36(int n)
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        string r = string.Empty;
        do
        {
            r = digits[n % 36] + r;
            n /= 36;
        }
        while (n > 0);
        return r;
    }
}
