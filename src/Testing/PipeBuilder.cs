using System.Buffers.Binary;
using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>A byte-level pipe-mode stream builder for hand-made and damaged streams (rounds, byte order, attr sizes, straddling zstd records); <see cref="PerfDataWriter"/> writes whole valid captures.</summary>
public sealed class PipeBuilder
{
    private readonly MemoryStream _ms = new();
    private readonly bool _be;

    /// <summary>Starts a stream with perf_pipe_file_header in the given byte order.</summary>
    public PipeBuilder(bool bigEndian)
    {
        _be = bigEndian;
        // "PERFILE2" as a u64 in the writer's byte order (tools/perf/util/header.c __perf_magic2)
        U64(0x32454c4946524550UL);
        U64(16); // perf_pipe_file_header.size
    }

    /// <summary>The stream so far.</summary>
    public byte[] ToArray() => _ms.ToArray();

    private void U64(ulong v) { Span<byte> b = stackalloc byte[8]; if (_be) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v); _ms.Write(b); }

    /// <summary>Fields (ulong, uint, ushort, byte[]) laid out in the byte order.</summary>
    public static byte[] Body(bool be, params object[] fields)
    {
        var ms = new MemoryStream();
        var b = new byte[8];
        foreach (var f in fields)
        {
            switch (f)
            {
                case ulong u: if (be) BinaryPrimitives.WriteUInt64BigEndian(b, u); else BinaryPrimitives.WriteUInt64LittleEndian(b, u); ms.Write(b); break;
                case uint u: if (be) BinaryPrimitives.WriteUInt32BigEndian(b, u); else BinaryPrimitives.WriteUInt32LittleEndian(b, u); ms.Write(b, 0, 4); break;
                case ushort u: if (be) BinaryPrimitives.WriteUInt16BigEndian(b, u); else BinaryPrimitives.WriteUInt16LittleEndian(b, u); ms.Write(b, 0, 2); break;
                case byte[] bytes: ms.Write(bytes); break;
                default: throw new ArgumentException(f.GetType().Name);
            }
        }
        return ms.ToArray();
    }

    /// <summary>A record: perf_event_header (type, misc, size) then the body.</summary>
    public static byte[] Record(bool be, uint type, ushort misc, byte[] body) =>
        [.. Body(be, type, misc, (ushort)(8 + body.Length)), .. body];

    /// <summary>Appends a record.</summary>
    public void Add(uint type, ushort misc, byte[] body) => _ms.Write(Record(_be, type, misc, body));
    /// <summary>Appends raw bytes.</summary>
    public void Add(byte[] rawRecord) => _ms.Write(rawRecord);

    /// <summary>A perf_event_attr of <paramref name="size"/> bytes (software cpu-clock).</summary>
    public byte[] Attr(SampleFormat sampleType, ulong flags, uint size = 128, uint storedSize = uint.MaxValue)
    {
        var a = new byte[size];
        var head = Body(_be, 1u, storedSize == uint.MaxValue ? size : storedSize, 0UL, 1UL, (ulong)sampleType, 0UL);
        head.CopyTo(a, 0);
        // bitfield word: little-endian bit order; a big-endian writer's compiler puts bit 0 at the top of byte 0
        for (var i = 0; i < 8; i++)
        {
            var by = (byte)(flags >> (8 * i));
            a[40 + i] = _be ? Reverse(by) : by;
        }
        return a;
    }

    private static byte Reverse(byte b)
    {
        byte r = 0;
        for (var i = 0; i < 8; i++) if ((b & (1 << i)) != 0) r |= (byte)(1 << (7 - i));
        return r;
    }

    /// <summary>Appends a HEADER_ATTR record (64) with the attr and its ids.</summary>
    public void HeaderAttr(byte[] attr, params ulong[] ids) => Add(64, 0, [.. attr, .. Body(_be, ids.Cast<object>().ToArray())]);
    /// <summary>Appends a SAMPLE (9) of sample_type IP|TID|TIME.</summary>
    public void Sample(ulong ip, uint pid, uint tid, ulong time) => Add(9, 2, Body(_be, ip, pid, tid, time));
    /// <summary>Appends a FINISHED_ROUND (68).</summary>
    public void Round() => Add(68, 0, []);
}
