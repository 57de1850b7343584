using System.Text.Json;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Unwind;
using Stackweave.Testing;

namespace Stackweave.Tests.Unwind;

/// <summary>One frame of gdb's backtrace at a snapshot (testdata/arm64/snapshot.py).</summary>
public sealed record GdbFrame(ulong Pc, string Type, string? Name);

/// <summary>
/// One stop of the aarch64 test program under qemu-aarch64, as gdb-multiarch dumped it: x0–x30, sp, pc, the top of the
/// stack (what perf's REGS_USER and STACK_USER hold), gdb's backtrace and where each object file's .text was loaded.
/// </summary>
public sealed record Arm64Snapshot(string Stop, ulong[] Regs, ulong Sp, ulong Pc, byte[] Stack, List<GdbFrame> Backtrace, List<(string Path, ulong Text)> Objfiles);

/// <summary>
/// testdata/arm64 (made by testdata/regen-arm64.sh): the snapshots, the symfs (stored zstd-compressed, unpacked once per
/// test run) and the stand-in vdso; turns snapshots into aarch64 <c>--call-graph dwarf</c> perf.data captures.
/// </summary>
public static class Arm64Snapshots
{
    /// <summary>The sampled process.</summary>
    public const int Pid = 4242;
    /// <summary>The program's recorded path.</summary>
    public const string Program = "/srv/swa64/armburn";
    /// <summary>perf's arm64 user registers: x0–x30, sp, pc (arch/arm64/include/uapi/asm/perf_regs.h PERF_REG_ARM64_MAX = 33).</summary>
    public const ulong RegsMask = (1UL << 33) - 1;
    /// <summary>Bytes of stack per sample (perf record --call-graph dwarf's default, 8192).</summary>
    public const int StackSize = 8192;
    /// <summary>ELF address of <c>__kernel_rt_sigreturn</c> in the stand-in vdso (programs/vdso.S puts it at a page start).</summary>
    public const ulong VdsoTrampoline = 0x2000;

    private static string Dir(params string[] parts) => RepoPaths.TestData(["arm64", .. parts]);

    /// <summary>The build-id cache directory holding the stand-in vdso.</summary>
    public static string BuildIdDir => Dir("buildid");

    private static readonly Lazy<string> s_symfs = new(() =>
    {
        // unpacked once per version of the data, next to the test assembly (a hash of the packed files names the version)
        var src = Dir("symfs");
        var files = Directory.EnumerateFiles(src, "*.zst", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var f in files) { sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(src, f))); sha.AppendData(File.ReadAllBytes(f)); }
        var root = Path.Combine(AppContext.BaseDirectory, "arm64-symfs", Convert.ToHexString(sha.GetHashAndReset())[..16]);
        var done = Path.Combine(root, ".unpacked");
        if (File.Exists(done)) return root;
        foreach (var f in files)
        {
            var dest = Path.Combine(root, Path.GetRelativePath(src, f)[..^4]);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            using var input = new ZstdSharp.DecompressionStream(File.OpenRead(f));
            using var output = File.Create(dest);
            input.CopyTo(output);
        }
        File.WriteAllText(done, "");
        return root;
    });

    /// <summary>The symfs: every object file the program maps, at its recorded path.</summary>
    public static string Symfs => s_symfs.Value;

    /// <summary>The snapshots of one run: "nopac" (pointer authentication off) or "pac" (on).</summary>
    public static List<Arm64Snapshot> Load(string run)
    {
        using var z = new ZstdSharp.DecompressionStream(File.OpenRead(Dir("snapshots-" + run + ".json.zst")));
        using var doc = JsonDocument.Parse(z);
        var list = new List<Arm64Snapshot>();
        foreach (var s in doc.RootElement.GetProperty("snapshots").EnumerateArray())
        {
            var regs = s.GetProperty("regs").EnumerateArray().Select(e => e.GetUInt64()).ToArray();
            var bt = s.GetProperty("backtrace").EnumerateArray()
                .Select(f => new GdbFrame(f.GetProperty("pc").GetUInt64(), f.GetProperty("type").GetString()!, f.GetProperty("name").GetString())).ToList();
            var objs = s.GetProperty("objfiles").EnumerateArray().Select(o => (o.GetProperty("path").GetString()!, o.GetProperty("text").GetUInt64())).ToList();
            list.Add(new Arm64Snapshot(s.GetProperty("stop").GetString()!, regs, s.GetProperty("sp").GetUInt64(), s.GetProperty("pc").GetUInt64(),
                Convert.FromHexString(s.GetProperty("stack").GetString()!), bt, objs));
        }
        return list;
    }

    /// <summary>The address of qemu's sigreturn trampoline page in these runs (where the handler returns).</summary>
    public static ulong Trampoline(List<Arm64Snapshot> snaps) => snaps.Single(s => s.Stop == "sigtramp").Pc;

    /// <summary>
    /// What Stackweave must produce from gdb's backtrace: the pc, then each caller's return address − 1 (perf's call-site
    /// convention), except the trampoline frame and the interrupted frame after it, which are exact addresses.
    /// gdb's inline frames repeat their outer frame's pc and are left out.
    /// </summary>
    public static List<ulong> Expected(Arm64Snapshot s)
    {
        var frames = s.Backtrace.Where(f => f.Type != "inline").ToList();
        var expected = new List<ulong>();
        for (var i = 0; i < frames.Count; i++)
        {
            var exact = i == 0 || frames[i].Type == "sigtramp" || frames[i - 1].Type == "sigtramp";
            expected.Add(exact ? frames[i].Pc : frames[i].Pc - 1);
        }
        return expected;
    }

    private static SampleId Sid(ulong time) => new() { Pid = Pid, Tid = Pid, Time = time, Cpu = 0, Present = true };

    /// <summary>
    /// An aarch64 perf.data: COMM, an MMAP2 per executable segment of every object file (placed where gdb saw its .text),
    /// a [vdso] mapping over qemu's trampoline page (the stand-in vdso laid so its <c>__kernel_rt_sigreturn</c> falls on
    /// the trampoline, with its build id when <paramref name="vdsoBuildId"/>), and one REGS_USER + STACK_USER sample per snapshot.
    /// </summary>
    public static byte[] Capture(List<Arm64Snapshot> snaps, bool vdsoBuildId)
    {
        var c = new PerfCapture().WithDefaultFeatures();
        c.Features.Arch = "aarch64";
        c.Features.Cmdline = ["/usr/bin/perf", "record", "--call-graph", "dwarf"];
        c.Attrs.Add(new PerfEventAttr
        {
            Type = 1, Config = 0, Size = 128, SamplePeriodOrFreq = 1, // PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK
            SampleType = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Cpu | SampleFormat.Period | SampleFormat.Callchain
                | SampleFormat.RegsUser | SampleFormat.StackUser,
            // perf_event_attr bits: mmap 8, comm 9, sample_id_all 18, exclude_callchain_user 22, mmap2 23 (include/uapi/linux/perf_event.h)
            Flags = (1UL << 8) | (1UL << 9) | (1UL << 18) | (1UL << 22) | (1UL << 23),
            SampleRegsUser = RegsMask, SampleStackUser = StackSize, Name = "cpu-clock",
        });
        c.Records.Add(new CommRecord { Type = PerfRecordType.Comm, Pid = Pid, Tid = Pid, Comm = "armburn", SampleId = Sid(1) });
        var time = 10UL;
        var taken = new List<(ulong Start, ulong End)>();
        foreach (var (path, text) in snaps[0].Objfiles)
        {
            using var elf = ElfFile.Open(Path.Join(Symfs, path.TrimStart('/')));
            if (elf.BuildId is { } id) c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscUser, Pid = -1, BuildId = id, Filename = path });
            var bias = text - elf.FindSection(".text")!.Value.Address;
            foreach (var seg in elf.Segments)
            {
                if (seg.Type != 1 || (seg.Flags & 1) == 0) continue; // PT_LOAD with PF_X: perf records executable mappings
                var start = bias + (seg.VirtualAddress & ~0xfffUL);
                var end = bias + ((seg.VirtualAddress + seg.MemorySize + 0xfff) & ~0xfffUL);
                taken.Add((start, end));
                c.Records.Add(new MmapRecord
                {
                    Type = PerfRecordType.Mmap2, Misc = PerfConstants.MiscUser, Pid = Pid, Tid = Pid, Start = start, Length = end - start,
                    PageOffset = seg.Offset & ~0xfffUL, Prot = 5, Flags = 2, Filename = path, SampleId = Sid(time++), // PROT_READ|PROT_EXEC, MAP_PRIVATE
                });
            }
        }
        var tramp = Trampoline(snaps);
        var vdsoStart = tramp - VdsoTrampoline;
        var vdsoEnd = tramp + 0x1000;
        Assert.DoesNotContain(taken, t => t.Start < vdsoEnd && vdsoStart < t.End);
        if (vdsoBuildId)
        {
            var id = Directory.EnumerateDirectories(Path.Combine(BuildIdDir, ".build-id")).Single();
            var rest = Directory.EnumerateDirectories(id).Single();
            c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscUser, Pid = Pid, BuildId = Path.GetFileName(id) + Path.GetFileName(rest), Filename = "[vdso]" });
        }
        c.Records.Add(new MmapRecord
        {
            Type = PerfRecordType.Mmap2, Misc = PerfConstants.MiscUser, Pid = Pid, Tid = Pid, Start = vdsoStart, Length = vdsoEnd - vdsoStart,
            Prot = 5, Flags = 2, Filename = "[vdso]", SampleId = Sid(time++),
        });
        foreach (var s in snaps)
        {
            var stack = new byte[StackSize];
            s.Stack.CopyTo(stack, 0);
            c.Records.Add(new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = s.Pc, Period = 1, SampleId = Sid(time++),
                Callchain = [], // exclude_callchain_user: a user-mode sample's chain is empty
                RegsUserAbi = 2, RegsUser = [.. s.Regs, s.Sp, s.Pc], // PERF_SAMPLE_REGS_ABI_64
                StackUser = stack, StackUserDynSize = (ulong)s.Stack.Length,
            });
        }
        return PerfDataWriter.Write(c);
    }
}

/// <summary>The unwind modules of the snapshots' process, for walking without a perf.data (property tests).</summary>
public sealed class Arm64Modules : IUnwindModules
{
    private readonly List<(ulong Start, ulong End, UnwindModule? Module, ulong Bias, bool Vdso)> _ranges = [];

    /// <summary>Every object file of <paramref name="snaps"/>' process, and the vdso (its stand-in image when <paramref name="vdsoImage"/>).</summary>
    public Arm64Modules(List<Arm64Snapshot> snaps, bool vdsoImage)
    {
        foreach (var (path, text) in snaps[0].Objfiles)
        {
            using var elf = ElfFile.Open(Path.Join(Arm64Snapshots.Symfs, path.TrimStart('/')));
            var module = UnwindModule.FromElf(elf, UnwindArch.Aarch64);
            var bias = text - elf.FindSection(".text")!.Value.Address;
            foreach (var seg in elf.Segments)
                if (seg.Type == 1 && (seg.Flags & 1) != 0) // PT_LOAD, PF_X
                    _ranges.Add((bias + (seg.VirtualAddress & ~0xfffUL), bias + ((seg.VirtualAddress + seg.MemorySize + 0xfff) & ~0xfffUL), module, bias, false));
        }
        Trampoline = Arm64Snapshots.Trampoline(snaps);
        var start = Trampoline - Arm64Snapshots.VdsoTrampoline;
        UnwindModule? vdso = null;
        if (vdsoImage)
        {
            var file = Directory.EnumerateFiles(Path.Combine(Arm64Snapshots.BuildIdDir, ".build-id"), "vdso", SearchOption.AllDirectories).Single();
            using var elf = ElfFile.Open(file);
            vdso = UnwindModule.FromElf(elf, UnwindArch.Aarch64);
        }
        _ranges.Add((start, Trampoline + 0x1000, vdso, start, true));
    }

    /// <summary>The sigreturn trampoline's address.</summary>
    public ulong Trampoline { get; }

    /// <inheritdoc />
    public bool TryFind(ulong pc, out UnwindModule? module, out ulong bias)
    {
        foreach (var r in _ranges)
            if (pc >= r.Start && pc < r.End) { module = r.Module; bias = r.Bias; return true; }
        module = null;
        bias = 0;
        return false;
    }

    /// <inheritdoc />
    public bool IsVdso(ulong pc)
    {
        foreach (var r in _ranges)
            if (pc >= r.Start && pc < r.End) return r.Vdso;
        return false;
    }
}
