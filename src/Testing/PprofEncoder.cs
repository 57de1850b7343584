using System.IO.Compression;
using System.Text;

namespace Stackweave.Testing;

/// <summary>
/// Encodes a <see cref="PprofProfile"/> as profile.proto protobuf, independently of Stackweave's own pprof writer: string
/// table built in first-use order ("" first), proto3 defaults (0, "", false) omitted, repeated scalars packed or not as
/// <see cref="PprofEncoding.Packing"/> says, optionally gzipped.
/// </summary>
public static class PprofEncoder
{
    /// <summary>The file's bytes.</summary>
    public static byte[] Encode(PprofProfile p)
    {
        var strings = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = 0 };
        var table = new List<string> { "" };
        long S(string s)
        {
            if (!strings.TryGetValue(s, out var i)) { strings[s] = i = table.Count; table.Add(s); }
            return i;
        }
        var packNext = true;
        bool Pack(int n)
        {
            switch (p.Encoding.Packing)
            {
                case PprofPacking.Packed: return true;
                case PprofPacking.Unpacked: return false;
                case PprofPacking.GoStyle: return n > 2;
                default: packNext = !packNext; return !packNext;
            }
        }

        var body = new Pb();
        foreach (var t in p.SampleTypes) body.Message(1, ValueType(t, S));
        foreach (var s in p.Samples)
        {
            var m = new Pb();
            m.RepeatedU64(1, s.LocationIds, Pack(s.LocationIds.Count));
            m.RepeatedU64(2, s.Values.Select(v => (ulong)v).ToList(), Pack(s.Values.Count));
            foreach (var l in s.Labels)
            {
                var lm = new Pb();
                lm.Varint(1, (ulong)S(l.Key));
                if (l.Str is not null) lm.Varint(2, (ulong)S(l.Str));
                lm.Varint(3, (ulong)l.Num);
                if (l.NumUnit.Length > 0) lm.Varint(4, (ulong)S(l.NumUnit));
                m.Message(3, lm);
            }
            body.Message(2, m);
        }
        foreach (var mp in p.Mappings)
        {
            var m = new Pb();
            m.Varint(1, mp.Id); m.Varint(2, mp.MemoryStart); m.Varint(3, mp.MemoryLimit); m.Varint(4, mp.FileOffset);
            m.Varint(5, (ulong)S(mp.Filename)); m.Varint(6, (ulong)S(mp.BuildId));
            m.Varint(7, mp.HasFunctions ? 1UL : 0); m.Varint(8, mp.HasFilenames ? 1UL : 0);
            m.Varint(9, mp.HasLineNumbers ? 1UL : 0); m.Varint(10, mp.HasInlineFrames ? 1UL : 0);
            body.Message(3, m);
        }
        foreach (var loc in p.Locations)
        {
            var m = new Pb();
            m.Varint(1, loc.Id); m.Varint(2, loc.MappingId); m.Varint(3, loc.Address);
            foreach (var ln in loc.Lines)
            {
                var lm = new Pb();
                lm.Varint(1, ln.FunctionId); lm.Varint(2, (ulong)ln.Line); lm.Varint(3, (ulong)ln.Column);
                m.Message(4, lm);
            }
            m.Varint(5, loc.IsFolded ? 1UL : 0);
            body.Message(4, m);
        }
        foreach (var f in p.Functions)
        {
            var m = new Pb();
            m.Varint(1, f.Id); m.Varint(2, (ulong)S(f.Name)); m.Varint(3, (ulong)S(f.SystemName));
            m.Varint(4, (ulong)S(f.Filename)); m.Varint(5, (ulong)f.StartLine);
            body.Message(5, m);
        }
        body.Varint(7, (ulong)S(p.DropFrames));
        body.Varint(8, (ulong)S(p.KeepFrames));
        body.Varint(9, (ulong)p.TimeNanos);
        body.Varint(10, (ulong)p.DurationNanos);
        if (p.PeriodType is { } pt) body.Message(11, ValueType(pt, S));
        body.Varint(12, (ulong)p.Period);
        body.RepeatedU64(13, p.Comments.Select(c => (ulong)S(c)).ToList(), Pack(p.Comments.Count));
        body.Varint(14, (ulong)S(p.DefaultSampleType));
        body.Varint(15, (ulong)S(p.DocUrl));

        var strs = new Pb();
        // string_table = 6: every entry written, "" included (it is index 0)
        foreach (var s in table) strs.Bytes(6, Encoding.UTF8.GetBytes(s));
        var raw = p.Encoding.StringsFirst ? [.. strs.ToArray(), .. body.ToArray()] : body.ToArray().Concat(strs.ToArray()).ToArray();
        if (!p.Encoding.Gzip) return raw;
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    private static Pb ValueType(PprofValueType t, Func<string, long> s)
    {
        var m = new Pb();
        m.Varint(1, (ulong)s(t.Type));
        m.Varint(2, (ulong)s(t.Unit));
        return m;
    }

    /// <summary>A minimal protobuf writer: varint (wire type 0) and length-delimited (wire type 2) fields.</summary>
    private sealed class Pb
    {
        private readonly MemoryStream _ms = new();

        public byte[] ToArray() => _ms.ToArray();

        private void Raw(ulong v)
        {
            while (v >= 0x80) { _ms.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _ms.WriteByte((byte)v);
        }

        private void Tag(int field, int wire) => Raw((ulong)(field << 3 | wire));

        /// <summary>A varint field, omitted when 0 (proto3 default).</summary>
        public void Varint(int field, ulong v)
        {
            if (v == 0) return;
            Tag(field, 0);
            Raw(v);
        }

        public void Bytes(int field, ReadOnlySpan<byte> b)
        {
            Tag(field, 2);
            Raw((ulong)b.Length);
            _ms.Write(b);
        }

        public void Message(int field, Pb m) => Bytes(field, m.ToArray());

        public void RepeatedU64(int field, IReadOnlyList<ulong> values, bool packed)
        {
            if (values.Count == 0) return;
            if (!packed)
            {
                foreach (var v in values) { Tag(field, 0); Raw(v); }
                return;
            }
            var inner = new Pb();
            foreach (var v in values) inner.Raw(v);
            Bytes(field, inner.ToArray());
        }
    }
}
