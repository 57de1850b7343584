using System.Text;

namespace Stackweave.Testing;

/// <summary>A jitdump record to write (tools/perf/Documentation/jitdump-specification.txt).</summary>
public abstract record JitDumpRecord(ulong Timestamp);

/// <summary>JIT_CODE_LOAD: code at <paramref name="CodeAddress"/> of <paramref name="Code"/>.Length bytes named <paramref name="Name"/>.</summary>
public sealed record JitLoadRecord(ulong Timestamp, uint Pid, uint Tid, ulong CodeAddress, ulong CodeIndex, string Name, byte[] Code) : JitDumpRecord(Timestamp);

/// <summary>JIT_CODE_MOVE: the code of <paramref name="CodeIndex"/> now at <paramref name="NewAddress"/>.</summary>
public sealed record JitMoveRecord(ulong Timestamp, uint Pid, uint Tid, ulong OldAddress, ulong NewAddress, ulong CodeSize, ulong CodeIndex) : JitDumpRecord(Timestamp);

/// <summary>JIT_CODE_DEBUG_INFO for the code at <paramref name="CodeAddress"/>; a null file name is written as 0xff 0x00 (same as the previous entry).</summary>
public sealed record JitDebugRecord(ulong Timestamp, ulong CodeAddress, IReadOnlyList<(ulong Address, int Line, int Discriminator, string? File)> Entries) : JitDumpRecord(Timestamp);

/// <summary>JIT_CODE_UNWINDING_INFO with <paramref name="Data"/> (its first <paramref name="EhFrameHdrSize"/> bytes the .eh_frame_hdr).</summary>
public sealed record JitUnwindRecord(ulong Timestamp, byte[] Data, ulong EhFrameHdrSize, ulong MappedSize) : JitDumpRecord(Timestamp);

/// <summary>JIT_CODE_CLOSE.</summary>
public sealed record JitCloseRecord(ulong Timestamp) : JitDumpRecord(Timestamp);

/// <summary>A record of an id readers do not know, with an opaque payload.</summary>
public sealed record JitUnknownRecord(ulong Timestamp, uint Id, byte[] Payload) : JitDumpRecord(Timestamp);

/// <summary>Writes jitdump files as JITs do (test-only: the toolkit reads them, never writes them).</summary>
public static class JitDumpWriter
{
    /// <summary>The file bytes: 40-byte header (magic 'JiTD' in the chosen byte order, version 1) and the records.</summary>
    public static byte[] Write(IEnumerable<JitDumpRecord> records, uint pid, bool bigEndian = false, uint elfMachine = 62, ulong flags = 0, ulong timestamp = 0)
    {
        var b = new EndianBuffer(bigEndian);
        b.U32(0x4A695444); // magic 'JiTD'
        b.U32(1);          // version
        b.U32(40);         // total_size of the header
        b.U32(elfMachine);
        b.U32(0);          // pad1
        b.U32(pid);
        b.U64(timestamp);
        b.U64(flags);
        foreach (var r in records)
        {
            var start = b.Length;
            b.U32(r switch
            {
                JitLoadRecord => 0u, JitMoveRecord => 1u, JitDebugRecord => 2u, JitCloseRecord => 3u, JitUnwindRecord => 4u,
                JitUnknownRecord u => u.Id, _ => throw new ArgumentException("unknown record " + r),
            });
            b.U32(0); // total_size, patched below
            b.U64(r.Timestamp);
            switch (r)
            {
                case JitLoadRecord l:
                    b.U32(l.Pid); b.U32(l.Tid); b.U64(l.CodeAddress); b.U64(l.CodeAddress); b.U64((ulong)l.Code.Length); b.U64(l.CodeIndex);
                    b.Bytes(Encoding.UTF8.GetBytes(l.Name)); b.U8(0);
                    b.Bytes(l.Code);
                    break;
                case JitMoveRecord m:
                    b.U32(m.Pid); b.U32(m.Tid); b.U64(m.NewAddress); b.U64(m.OldAddress); b.U64(m.NewAddress); b.U64(m.CodeSize); b.U64(m.CodeIndex);
                    break;
                case JitDebugRecord d:
                    b.U64(d.CodeAddress); b.U64((ulong)d.Entries.Count);
                    foreach (var e in d.Entries)
                    {
                        b.U64(e.Address); b.I32(e.Line); b.I32(e.Discriminator);
                        if (e.File is null) { b.U8(0xff); b.U8(0); }
                        else { b.Bytes(Encoding.UTF8.GetBytes(e.File)); b.U8(0); }
                    }
                    break;
                case JitUnwindRecord u:
                    b.U64((ulong)u.Data.Length); b.U64(u.EhFrameHdrSize); b.U64(u.MappedSize); b.Bytes(u.Data);
                    break;
                case JitUnknownRecord k:
                    b.Bytes(k.Payload);
                    break;
            }
            b.PatchU32(start + 4, (uint)(b.Length - start));
        }
        return b.ToArray();
    }
}
