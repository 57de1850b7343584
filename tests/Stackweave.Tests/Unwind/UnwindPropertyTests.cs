using FsCheck.Xunit;
using Stackweave.Merge.Unwind;

namespace Stackweave.Tests.Unwind;

/// <summary>
/// Issue 10 point 6: CFI programs generated for synthetic functions, with the stack their calls leave; the unwinder must
/// recover the planted return addresses, and random stacks or damaged CFI must never crash it or make it loop.
/// </summary>
public class UnwindPropertyTests
{
    private const ulong Text = 0x40_1000, EhFrame = 0x20_0000, EhFrameHdr = 0x1f_0000;
    private static readonly int[] s_calleeSaved = [3, 12, 13, 14, 15]; // rbx, r12–r15

    /// <summary>Functions (0 = the outermost, marked by DW_CFA_undefined rip) and a call chain over them, from a seed.</summary>
    private static (SynthFunction[] Fs, int[] Chain) Generate(Random rng)
    {
        var n = rng.Next(1, 9);
        var fs = new SynthFunction[n];
        for (var i = 0; i < n; i++)
        {
            var pushed = s_calleeSaved.OrderBy(_ => rng.Next()).Take(rng.Next(0, 4)).ToArray();
            fs[i] = new SynthFunction(Text + (ulong)i * SynthFunction.Size, rng.Next(2) == 0, pushed, rng.Next(0, 20), i == 0,
                rng.Next(4) == 0, rng.Next(4) == 0, rng.Next(8));
        }
        var depth = rng.Next(1, 25);
        var chain = new int[depth];
        for (var j = 1; j < depth; j++) chain[j] = n == 1 ? 0 : rng.Next(1, n);
        if (n == 1) chain = [0];
        return (fs, chain);
    }

    /// <summary>form 0: .eh_frame + .eh_frame_hdr; 1: .eh_frame scanned; 2–4: .debug_frame versions 1, 3, 4.</summary>
    private static UnwindModule Module(SynthFunction[] fs, int form, Random rng, Func<byte[], byte[]>? damage = null)
    {
        // sections list FDEs in any order; the index must sort them
        var shuffled = fs.OrderBy(_ => rng.Next()).ToArray();
        damage ??= b => b;
        if (form <= 1)
        {
            var (eh, hdr) = SyntheticCfi.EhFrame(shuffled, EhFrame, EhFrameHdr);
            return UnwindModule.FromSections("synthetic", UnwindArch.X86_64, damage(eh), EhFrame, form == 0 ? damage(hdr) : null, EhFrameHdr, null);
        }
        var version = form == 2 ? 1 : form == 3 ? 3 : 4;
        return UnwindModule.FromSections("synthetic", UnwindArch.X86_64, null, 0, null, 0, damage(SyntheticCfi.DebugFrame(shuffled, version)));
    }

    private static (UnwindStop Stop, List<ulong> Frames) Walk(UnwindModule m, SynthFunction[] fs, SyntheticCfi.SynthStack st, int maxFrames = 256, bool callSites = false)
    {
        var regs = (ulong[])st.Regs.Clone();
        var valid = (1UL << 17) - 1;
        var frames = new List<ulong>();
        var memory = new StackMemory(st.Bytes, st.Sp);
        var modules = new SyntheticCfi.OneModule(m, Text, Text + (ulong)fs.Length * SynthFunction.Size);
        var stop = StackWalker.Walk(UnwindArch.X86_64, regs, valid, st.Expected[0], memory, modules, frames, maxFrames, out _, callSites);
        return (stop, frames);
    }

    [Property(MaxTest = 300)]
    public void PlantedReturnAddressesAreRecovered(int seed, byte form)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        var m = Module(fs, form % 5, rng);
        var (stop, frames) = Walk(m, fs, st);
        Assert.Equal(st.Expected, frames);
        Assert.Equal(UnwindStop.Outermost, stop);
        Assert.Equal(0, m.FramePointerFrames);
    }

    [Property(MaxTest = 100)]
    public void CallSitesAreReturnAddressesMinusOne(int seed)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        var (_, frames) = Walk(Module(fs, 0, rng), fs, st, callSites: true);
        Assert.Equal(st.Expected.Select((a, i) => i == 0 ? a : a - 1), frames);
    }

    [Property(MaxTest = 100)]
    public void TheFrameLimitHolds(int seed, byte limit)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        var max = 1 + limit % 30;
        var (stop, frames) = Walk(Module(fs, 0, rng), fs, st, max);
        Assert.True(frames.Count <= max);
        if (st.Expected.Count > max) Assert.Equal(UnwindStop.FrameLimit, stop);
        Assert.Equal(st.Expected.Take(frames.Count), frames);
    }

    [Property(MaxTest = 100)]
    public void ACutStackCopyStopsAtItsEnd(int seed, int cut)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        var keep = (int)((uint)cut % (uint)(st.Bytes.Length + 1));
        st.Bytes = st.Bytes[..keep];
        var (stop, frames) = Walk(Module(fs, 0, rng), fs, st);
        // whatever was found is right; a walk that ends early says the copy ended
        Assert.Equal(st.Expected.Take(frames.Count), frames);
        if (frames.Count < st.Expected.Count) Assert.Equal(UnwindStop.EndOfStackCopy, stop);
    }

    [Property(MaxTest = 300)]
    public void RandomStackBytesNeverCrashOrLoop(int seed, byte form)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        rng.NextBytes(st.Bytes);
        for (var i = 0; i < st.Regs.Length; i++) if (rng.Next(3) == 0) st.Regs[i] = (ulong)rng.NextInt64();
        var (_, frames) = Walk(Module(fs, form % 5, rng), fs, st, 64);
        Assert.InRange(frames.Count, 1, 64);
    }

    [Property(MaxTest = 500)]
    public void DamagedCfiNeverCrashesOrLoops(int seed, byte form, byte flips, bool truncate)
    {
        var rng = new Random(seed);
        var (fs, chain) = Generate(rng);
        var st = SyntheticCfi.Stack(fs, chain, rng);
        byte[] Damage(byte[] b)
        {
            var d = (byte[])b.Clone();
            if (d.Length == 0) return d;
            for (var i = 0; i <= flips % 16; i++) d[rng.Next(d.Length)] = (byte)rng.Next(256);
            return truncate ? d[..rng.Next(d.Length)] : d;
        }
        var m = Module(fs, form % 5, rng, Damage);
        var (_, frames) = Walk(m, fs, st, 64);
        Assert.InRange(frames.Count, 1, 64);
    }

    [Property(MaxTest = 300)]
    public void ArbitrarySectionBytesNeverCrash(byte[] section, byte[] hdr, ulong pc, bool debug)
    {
        var m = debug
            ? UnwindModule.FromSections("x", UnwindArch.X86_64, null, 0, null, 0, section)
            : UnwindModule.FromSections("x", UnwindArch.X86_64, section, EhFrame, hdr, EhFrameHdr, null);
        try { m.Find(pc); m.Find(Text); }
        catch (CfiException) { } // the only failure a lookup may report
    }

    [Property(MaxTest = 300)]
    public void ArbitraryExpressionsNeverCrashOrLoop(byte[] expr, ulong r0, ulong r7)
    {
        var regs = new ulong[17];
        regs[0] = r0;
        regs[7] = r7;
        var stack = new byte[256];
        new Random(expr.Length).NextBytes(stack);
        try { DwarfExpression.TryEvaluate(expr, regs, 0b1000_0001, new StackMemory(stack, r7), r7 + 8, out _); }
        catch (CfiException) { }
    }
}
