using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Finds which mapping of a process holds an address, as it was when a sample was taken.</summary>
public interface IMappingLookup
{
    /// <summary>The id of the model mapping holding <paramref name="address"/>, or -1.</summary>
    int Find(ulong address);
}

/// <summary>The user-space state a <c>--call-graph dwarf</c> sample carries: REGS_USER and STACK_USER.</summary>
public readonly ref struct UserStackSample
{
    /// <summary>The capture's architecture (perf's HEADER_ARCH, e.g. <c>x86_64</c>, <c>aarch64</c>), or null.</summary>
    public string? Arch { get; init; }
    /// <summary>REGS_USER abi (include/uapi/linux/perf_event.h PERF_SAMPLE_REGS_ABI_NONE 0, _32 1, _64 2).</summary>
    public ulong RegsAbi { get; init; }
    /// <summary>attr.sample_regs_user: bit i set = perf register i is present in <see cref="Regs"/>.</summary>
    public ulong RegsMask { get; init; }
    /// <summary>Register values in ascending bit order of <see cref="RegsMask"/>.</summary>
    public ReadOnlySpan<ulong> Regs { get; init; }
    /// <summary>The valid part of the STACK_USER copy (dyn_size bytes), starting at the user stack pointer.</summary>
    public ReadOnlySpan<byte> Stack { get; init; }
    /// <summary>The sampled process.</summary>
    public int Pid { get; init; }
}

/// <summary>Recovers the user part of a call chain from a sample's registers and stack copy (DWARF CFI unwinding).</summary>
public interface IUserStackUnwinder
{
    /// <summary>
    /// Appends the user frames of <paramref name="sample"/> to <paramref name="frames"/>, leaf first: the sampled pc,
    /// then return addresses. <paramref name="mappings"/> finds the process's mapping (ids of <paramref name="profile"/>).
    /// Counts what it could not unwind in <paramref name="profile"/>'s diagnostics.
    /// </summary>
    void Unwind(in UserStackSample sample, Profile profile, IMappingLookup mappings, List<ulong> frames);
}
