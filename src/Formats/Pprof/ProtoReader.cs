using System.Runtime.CompilerServices;
using Stackweave.Formats.IO;

namespace Stackweave.Formats.Pprof;

/// <summary>
/// Reads protobuf wire format from a span that sits at <see cref="Offset"/> − position in the input, so that every error
/// names the byte offset it happened at. Supports varint, fixed32/64 and length-delimited fields; groups (wire types 3, 4,
/// unused by profile.proto) are errors, as are wire types 6 and 7.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buf;
    private readonly long _base;
    private readonly string _file;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> buffer, long baseOffset, string file)
    {
        _buf = buffer;
        _base = baseOffset;
        _file = file;
    }

    /// <summary>True when the whole span was read.</summary>
    public readonly bool End => _pos >= _buf.Length;
    /// <summary>Input offset of the next byte.</summary>
    public readonly long Offset => _base + _pos;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Varint()
    {
        if (_pos < _buf.Length && _buf[_pos] < 0x80) return _buf[_pos++];
        return VarintSlow();
    }

    private ulong VarintSlow()
    {
        var start = _pos;
        ulong v = 0;
        // A varint has at most 10 bytes; the 10th may only carry the 64th bit (protobuf encoding spec, "Base 128 Varints").
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _buf.Length) throw Error(start, "a complete varint (input ends inside it)");
            var b = _buf[_pos++];
            if (shift == 63 && b > 1) throw Error(start, "a varint of at most 64 bits");
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
        throw Error(start, "a varint of at most 10 bytes");
    }

    /// <summary>Reads a field tag; <paramref name="fieldStart"/> is the input offset of the field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Tag(out int wire, out long fieldStart)
    {
        fieldStart = _base + _pos;
        var t = Varint();
        wire = (int)(t & 7);
        var field = t >> 3;
        if (field == 0 || field > 536870911) throw Error(fieldStart, "a field number from 1 to 2^29-1");
        return (int)field;
    }

    /// <summary>The payload of a length-delimited field whose tag was just read.</summary>
    public ReadOnlySpan<byte> Bytes(out long payloadOffset)
    {
        var start = _pos;
        var len = Varint();
        if (len > (ulong)(_buf.Length - _pos))
            throw Error(start, FormattableString.Invariant($"a length of at most {_buf.Length - _pos} bytes (the rest of the enclosing message), not {len}"));
        payloadOffset = _base + _pos;
        var s = _buf.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    /// <summary>Skips the value of a field with the given wire type.</summary>
    public void Skip(int wire, long fieldStart)
    {
        switch (wire)
        {
            case WireType.Varint: Varint(); break;
            case WireType.Fixed64: Advance(8, fieldStart); break;
            case WireType.Len: Bytes(out _); break;
            case WireType.Fixed32: Advance(4, fieldStart); break;
            default: throw Error(fieldStart, FormattableString.Invariant($"a known wire type (0, 1, 2 or 5), not {wire}"));
        }
    }

    private void Advance(int n, long fieldStart)
    {
        if (_buf.Length - _pos < n) throw Error(fieldStart, FormattableString.Invariant($"{n} more bytes for a fixed-size field"));
        _pos += n;
    }

    /// <summary>A varint field's value, checking the wire type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong VarintField(int wire, long fieldStart, string name)
    {
        if (wire != WireType.Varint) throw WireError(wire, fieldStart, name, "varint");
        return Varint();
    }

    public readonly CaptureFormatException WireError(int wire, long fieldStart, string name, string expected)
        => new(_file, fieldStart, FormattableString.Invariant($"{name} with wire type {expected}, not {wire}"));

    public readonly CaptureFormatException Error(int pos, string expected) => new(_file, _base + pos, expected);
    public readonly CaptureFormatException Error(long offset, string expected) => new(_file, offset, expected);
}
