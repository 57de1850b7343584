using System.Buffers.Binary;

namespace Stackweave.Merge.Symbols;

/// <summary>The kernel this machine runs: its build id (from /sys/kernel/notes) and its live kallsyms.</summary>
public static class RunningKernel
{
    /// <summary>The live kernel symbol table.</summary>
    public const string KallsymsPath = "/proc/kallsyms";

    private static readonly Lazy<string?> s_buildId = new(() => ReadBuildId("/sys/kernel/notes"));

    /// <summary>The running kernel's GNU build id in lower-case hex, or null where it cannot be read (not Linux, no access).</summary>
    public static string? BuildId() => s_buildId.Value;

    /// <summary>Reads the NT_GNU_BUILD_ID note from a file of ELF notes (native byte order), or null.</summary>
    public static string? ReadBuildId(string notesPath)
    {
        byte[] data;
        try { data = File.ReadAllBytes(notesPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { return null; }
        return FindBuildId(data);
    }

    /// <summary>Finds the NT_GNU_BUILD_ID note (type 3, name "GNU") in a little-endian ELF note sequence.</summary>
    public static string? FindBuildId(ReadOnlySpan<byte> notes)
    {
        const int NtGnuBuildId = 3; // include/uapi/linux/elf.h / elf(5)
        var pos = 0;
        while (pos + 12 <= notes.Length)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[pos..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 8)..]);
            var nameStart = pos + 12L;
            var descStart = nameStart + ((nameSize + 3L) & ~3L);
            var next = descStart + ((descSize + 3L) & ~3L);
            if (next > notes.Length) return null;
            if (type == NtGnuBuildId && nameSize == 4 && notes.Slice((int)nameStart, 4).SequenceEqual("GNU\0"u8))
                return Convert.ToHexStringLower(notes.Slice((int)descStart, (int)descSize));
            pos = (int)next;
        }
        return null;
    }
}
