using Stackweave.Formats.Model;

namespace Stackweave.Formats.Pprof;

/// <summary>pprof profiles (profile.proto): raw protobuf; gzip (as Go writes them) is removed before detection.</summary>
public sealed class PprofFormat : ICaptureFormat
{
    /// <summary>The single instance.</summary>
    public static PprofFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "pprof";
    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".pb.gz", ".pb", ".pprof", ".prof"];
    /// <inheritdoc/>
    public int HeaderSize => 256;

    /// <summary>
    /// Protobuf has no magic: the header must parse as top-level profile.proto fields with the wire type each field
    /// number has (1-6, 11 length-delimited with messages that fit; 7-10, 12, 14, 15 varint; 13 either), the first
    /// field complete, and hold at least one byte that text never has (below 0x20, other than tab, LF, CR).
    /// </summary>
    public DetectResult Detect(ReadOnlySpan<byte> header)
    {
        if (header.IsEmpty) return DetectResult.No;
        var binary = false;
        foreach (var b in header)
            if (b < 0x20 && b is not (0x09 or 0x0a or 0x0d)) { binary = true; break; }
        if (!binary) return DetectResult.No;
        var pos = 0;
        var fields = 0;
        while (pos < header.Length)
        {
            if (!TryVarint(header, ref pos, out var tag)) return fields > 0 ? DetectResult.Yes : DetectResult.No;
            var field = tag >> 3;
            var wire = (int)(tag & 7);
            if (!WireTypeFits(field, wire)) return DetectResult.No;
            if (wire == WireType.Varint)
            {
                if (!TryVarint(header, ref pos, out _)) return fields > 0 ? DetectResult.Yes : DetectResult.No;
            }
            else
            {
                if (!TryVarint(header, ref pos, out var len)) return fields > 0 ? DetectResult.Yes : DetectResult.No;
                if (len > int.MaxValue) return DetectResult.No;
                if (pos + (long)len > header.Length) return fields > 0 || header.Length >= HeaderSize ? DetectResult.Yes : DetectResult.No;
                // Sub-messages (all but string_table) must themselves parse as varint or length-delimited fields.
                if (field != PprofFields.StringTable && !LooksLikeMessage(header.Slice(pos, (int)len))) return DetectResult.No;
                pos += (int)len;
            }
            fields++;
        }
        return fields > 0 ? DetectResult.Yes : DetectResult.No;
    }

    /// <summary>Complete top-level fields needed before the damage for <see cref="DetectDamaged"/> to say yes.</summary>
    private const int FieldsBeforeDamage = 3;
    /// <summary>Bytes those fields must span: arbitrary bytes rarely parse as 64 bytes of profile fields.</summary>
    private const int BytesBeforeDamage = 64;

    /// <summary>
    /// Under --salvage: recognised when the header starts with at least three complete top-level fields spanning 64 bytes
    /// or more that pass the checks of <see cref="Detect"/> (wire types, sub-messages that parse) and hold a byte text
    /// never has, whatever follows them; the damage starts after the last of them.
    /// </summary>
    public int DetectDamaged(ReadOnlySpan<byte> header, bool endedByError)
    {
        var pos = 0;
        var fields = 0;
        var end = 0;
        while (pos < header.Length)
        {
            if (!TryVarint(header, ref pos, out var tag) || !WireTypeFits(tag >> 3, (int)(tag & 7))) break;
            if ((tag & 7) == WireType.Varint)
            {
                if (!TryVarint(header, ref pos, out _)) break;
            }
            else
            {
                if (!TryVarint(header, ref pos, out var len) || len > (ulong)(header.Length - pos)) break;
                if (tag >> 3 != PprofFields.StringTable && !LooksLikeMessage(header.Slice(pos, (int)len))) break;
                pos += (int)len;
            }
            fields++;
            end = pos;
        }
        if (fields < FieldsBeforeDamage || end < BytesBeforeDamage) return -1;
        foreach (var b in header[..end])
            if (b < 0x20 && b is not (0x09 or 0x0a or 0x0d)) return end;
        return -1;
    }

    /// <summary>The wire type each top-level profile.proto field has (1-6, 11 length-delimited; 7-10, 12, 14, 15 varint; 13 either).</summary>
    private static bool WireTypeFits(ulong field, int wire) => field switch
    {
        >= 1 and <= 6 or 11 => wire == WireType.Len,
        7 or 8 or 9 or 10 or 12 or 14 or 15 => wire == WireType.Varint,
        13 => wire is WireType.Len or WireType.Varint,
        _ => false,
    };

    private static bool LooksLikeMessage(ReadOnlySpan<byte> m)
    {
        var pos = 0;
        while (pos < m.Length)
        {
            if (!TryVarint(m, ref pos, out var tag)) return false;
            var field = tag >> 3;
            if (field is 0 or > 15) return false;
            switch ((int)(tag & 7))
            {
                case WireType.Varint: if (!TryVarint(m, ref pos, out _)) return false; break;
                case WireType.Len:
                    if (!TryVarint(m, ref pos, out var len) || len > (ulong)(m.Length - pos)) return false;
                    pos += (int)len;
                    break;
                default: return false;
            }
        }
        return true;
    }

    private static bool TryVarint(ReadOnlySpan<byte> s, ref int pos, out ulong v)
    {
        v = 0;
        for (var shift = 0; shift < 64 && pos < s.Length; shift += 7)
        {
            var b = s[pos++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public Profile Read(Stream input, string path, ReadOptions options) => PprofReader.Read(input, path, options);
}
