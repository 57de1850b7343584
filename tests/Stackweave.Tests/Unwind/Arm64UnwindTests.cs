using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Unwind;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Unwind;

/// <summary>
/// Issue 10 point 2, aarch64: snapshots of a real aarch64 program (Debian's cross g++ 12, -O2 -fomit-frame-pointer,
/// pac-ret; libc and libstdc++ from the cross sysroot) stopped under qemu-aarch64 by gdb-multiarch, turned into aarch64
/// perf.data captures; Stackweave's unwinder must recover gdb's backtrace frame for frame — through .eh_frame,
/// .debug_frame-only code, libc and libstdc++, PAC-signed return addresses and a signal frame.
/// </summary>
public class Arm64UnwindTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackweave-arm64-").FullName;

    public void Dispose()
    {
        // STACKWEAVE_KEEP_ARM64_CAPTURES=DIR copies the captures there (to run the CLI on them by hand)
        if (Environment.GetEnvironmentVariable("STACKWEAVE_KEEP_ARM64_CAPTURES") is { Length: > 0 } keep)
            foreach (var f in Directory.EnumerateFiles(_dir)) File.Copy(f, Path.Combine(keep, Path.GetFileName(f)), true);
        Directory.Delete(_dir, true);
    }

    private string Write(List<Arm64Snapshot> snaps, bool vdsoBuildId, string name)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Arm64Snapshots.Capture(snaps, vdsoBuildId));
        return path;
    }

    /// <summary>Reads a capture with the unwinder; returns each sample's user frames (leaf first) and the profile.</summary>
    private static (List<List<ulong>> Stacks, Profile Profile) Unwind(string capture, bool vdsoImage)
    {
        var unwinder = new DwarfUnwinder(new SymbolOptions { Symfs = Arm64Snapshots.Symfs, BuildIdCacheDir = vdsoImage ? Arm64Snapshots.BuildIdDir : null });
        var p = FormatRegistry.Read(capture, new ReadOptions { UserStackUnwinder = unwinder });
        var stacks = new List<List<ulong>>();
        var ids = new List<int>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            ids.Clear();
            p.Stacks.LeafFirst(p.Samples.Stack(i), ids);
            stacks.Add([.. ids.Select(id => p.Locations[id].Address)]);
        }
        return (stacks, p);
    }

    private static string Hex(IEnumerable<ulong> a) => string.Join(" ", a.Select(x => x.ToString("x", System.Globalization.CultureInfo.InvariantCulture)));

    private static void AssertFramesEqual(List<Arm64Snapshot> reference, List<List<ulong>> stacks, Profile? p = null)
    {
        var diag = p is null ? "" : string.Join("\n", p.Diagnostics.Counters.Select(kv => kv.Key + ": " + kv.Value)) + "\n" + string.Join("\n", p.Mappings);
        Assert.Equal(reference.Count, stacks.Count);
        for (var i = 0; i < reference.Count; i++)
        {
            var expected = Arm64Snapshots.Expected(reference[i]);
            Assert.True(expected.SequenceEqual(stacks[i]),
                $"snapshot {i} ({reference[i].Stop}):\n gdb:        {Hex(expected)}\n stackweave: {Hex(stacks[i])}\n{diag}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnwindingRecoversGdbsBacktraces(bool vdsoImage)
    {
        var snaps = Arm64Snapshots.Load("nopac");
        var (stacks, p) = Unwind(Write(snaps, vdsoImage, "nopac.data"), vdsoImage);
        AssertFramesEqual(snaps, stacks, p);
        // the whole chain, _start included, for every stop: the walk ended at _start's undefined return address
        Assert.All(stacks, s => Assert.True(s.Count >= 4));
        Assert.Equal(snaps.Count, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.SamplesCounter));
        Assert.Equal(0, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.FramePointerCounter));
        Assert.Equal(0, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.TruncatedCounter));
        Assert.DoesNotContain(p.Diagnostics.Counters.Keys, k => k.StartsWith(DwarfUnwinder.StoppedCounter, StringComparison.Ordinal));
        // four stops are inside the handler or at the trampoline: each crossed one signal frame
        var signal = snaps.Count(s => s.Backtrace.Any(f => f.Type == "sigtramp"));
        Assert.Equal(4, signal);
        Assert.Equal(vdsoImage ? signal : 0, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.SignalFrameCounter));
        Assert.Equal(vdsoImage ? 0 : signal, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.SignalFrameFromStackCounter));
        Assert.Equal(0, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.SignedReturnAddressCounter));
    }

    /// <summary>The same stops with pointer authentication on: the stacks hold PAC-signed return addresses.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SignedReturnAddressesAreStripped(bool vdsoImage)
    {
        var plain = Arm64Snapshots.Load("nopac");
        var signed = Arm64Snapshots.Load("pac");
        Assert.Equal(plain.Count, signed.Count);
        var signedWords = 0;
        for (var i = 0; i < plain.Count; i++)
        {
            // the two runs stopped in the same state: registers and stack words differ only in PAC bits
            Assert.Equal(plain[i].Stop, signed[i].Stop);
            Assert.Equal(plain[i].Pc, signed[i].Pc);
            Assert.Equal(plain[i].Sp, signed[i].Sp);
            Assert.Equal(plain[i].Stack.Length, signed[i].Stack.Length);
            for (var r = 0; r < 31; r++) Assert.Equal(UnwindArch.Aarch64.StripPointerAuth(plain[i].Regs[r]), UnwindArch.Aarch64.StripPointerAuth(signed[i].Regs[r]));
            // stack words that differ are PAC-signed copies of the same address, or per-run random values (AT_RANDOM's
            // stack canary and pointer guard copies)
            for (var o = 0; o + 8 <= plain[i].Stack.Length; o += 8)
            {
                var a = BitConverter.ToUInt64(plain[i].Stack, o);
                var b = BitConverter.ToUInt64(signed[i].Stack, o);
                if (a != b && a == UnwindArch.Aarch64.StripPointerAuth(b)) signedWords++;
            }
            // gdb 13 does not strip qemu's PACs: its own backtrace of the signed run breaks at the first signed address
        }
        Assert.True(signedWords >= 10, $"only {signedWords} signed stack words");
        Assert.Contains(signed, s => s.Backtrace.Any(f => f.Pc >> UnwindArch.Aarch64UserAddressBits != 0));
        var (stacks, p) = Unwind(Write(signed, vdsoImage, "pac.data"), vdsoImage);
        AssertFramesEqual(plain, stacks);
        Assert.True(p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.SignedReturnAddressCounter) >= 10);
        Assert.Equal(0, p.Diagnostics.Counters.GetValueOrDefault(DwarfUnwinder.FramePointerCounter));
    }

    /// <summary>
    /// `stackweave convert --format folded` on the capture: every stop's line names gdb's functions, root first; frames
    /// gdb could not name (static functions of the stripped libc) or names with C++ types are matched as any one frame.
    /// The trampoline is <c>__kernel_rt_sigreturn</c> from the vdso image, or <c>[[vdso]]</c> without it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FoldedStacksNameGdbsFrames(bool vdsoImage)
    {
        var snaps = Arm64Snapshots.Load("pac");
        var capture = Write(snaps, vdsoImage, "folded.data");
        string[] args = ["convert", capture, "--format", "folded", "--symfs", Arm64Snapshots.Symfs, "--kallsyms", "/nonexistent",
            "--buildid-dir", vdsoImage ? Arm64Snapshots.BuildIdDir : Path.Combine(_dir, "no-cache")];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(snaps.Count, lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        var plain = new System.Text.RegularExpressions.Regex("^[A-Za-z_][A-Za-z0-9_:]*$");
        foreach (var s in Arm64Snapshots.Load("nopac"))
        {
            var names = s.Backtrace.Where(f => f.Type != "inline").Reverse().Select(f =>
                f.Type == "sigtramp" ? (vdsoImage ? "__kernel_rt_sigreturn" : System.Text.RegularExpressions.Regex.Escape("[[vdso]]"))
                : f.Name is { } n && plain.IsMatch(n) ? System.Text.RegularExpressions.Regex.Escape(n) : "[^;]+");
            var pattern = new System.Text.RegularExpressions.Regex("^armburn;" + string.Join(";", names) + " [0-9]+$");
            Assert.True(lines.Any(pattern.IsMatch), $"{s.Stop}: no line matches {pattern}\n{r.Stdout}");
        }
    }
}
