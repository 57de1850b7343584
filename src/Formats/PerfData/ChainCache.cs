using System.Numerics;

namespace Stackweave.Formats.PerfData;

/// <summary>
/// What each distinct callchain resolved to in one address space. Chains are copied into chunks of one arena (not
/// one array each: a system-wide capture has hundreds of thousands of distinct chains, and as separate arrays they
/// kept the garbage collector busy) and found by content through an open-addressing table. <see cref="Clear"/>
/// keeps the chunks for reuse.
/// </summary>
internal sealed class ChainCache<TValue> where TValue : struct
{
    private struct Entry
    {
        public uint Hash;  // top half of the chain's hash
        public int Chunk;  // -1 = empty slot
        public int Start;
        public int Length;
        public TValue Value;
    }

    // First chunk small (most address spaces see few chains), then doubling up to 64 Ki words (512 KB).
    private const int FirstChunkWords = 256, MaxChunkWords = 1 << 16;
    private readonly List<ulong[]> _chunks = [];
    private int _chunk = -1, _used;
    private Entry[] _entries = NewEntries(16);
    private int _count;

    /// <summary>Hashes a chain (multiply-xorshift mixing with splitmix64's constants).</summary>
    public static ulong Hash(ReadOnlySpan<ulong> chain)
    {
        var h = 0x9E3779B97F4A7C15UL ^ (ulong)chain.Length;
        foreach (var v in chain)
        {
            h = (h ^ v) * 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }
        return h;
    }

    /// <summary>The value stored for <paramref name="chain"/> (whose <see cref="Hash"/> is <paramref name="hash"/>), if any.</summary>
    public bool TryGetValue(ReadOnlySpan<ulong> chain, ulong hash, out TValue value)
    {
        var mask = _entries.Length - 1;
        for (var i = (int)(hash >> 32) & mask; ; i = (i + 1) & mask)
        {
            ref var e = ref _entries[i];
            if (e.Chunk < 0) { value = default; return false; }
            if (e.Hash == (uint)(hash >> 32) && e.Length == chain.Length && chain.SequenceEqual(_chunks[e.Chunk].AsSpan(e.Start, e.Length)))
            {
                value = e.Value;
                return true;
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="chain"/>, which must not be held yet.</summary>
    public void Add(ReadOnlySpan<ulong> chain, ulong hash, TValue value)
    {
        if ((_count + 1) * 2 > _entries.Length) Grow();
        var (chunk, start) = Copy(chain);
        Place(new Entry { Hash = (uint)(hash >> 32), Chunk = chunk, Start = start, Length = chain.Length, Value = value });
        _count++;
    }

    /// <summary>Forgets every chain (the arena's chunks are kept and reused).</summary>
    public void Clear()
    {
        if (_count == 0) return;
        Array.Fill(_entries, new Entry { Chunk = -1 });
        _count = 0;
        _chunk = _chunks.Count > 0 ? 0 : -1;
        _used = 0;
    }

    private (int Chunk, int Start) Copy(ReadOnlySpan<ulong> chain)
    {
        while (_chunk < 0 || _used + chain.Length > _chunks[_chunk].Length)
        {
            _chunk++;
            _used = 0;
            if (_chunk == _chunks.Count)
            {
                var size = _chunks.Count == 0 ? FirstChunkWords : Math.Min(MaxChunkWords, _chunks[^1].Length * 2);
                _chunks.Add(new ulong[Math.Max(size, (int)BitOperations.RoundUpToPowerOf2((uint)chain.Length))]);
            }
        }
        var start = _used;
        chain.CopyTo(_chunks[_chunk].AsSpan(start));
        _used += chain.Length;
        return (_chunk, start);
    }

    private void Place(in Entry entry)
    {
        var mask = _entries.Length - 1;
        var i = (int)entry.Hash & mask;
        while (_entries[i].Chunk >= 0) i = (i + 1) & mask;
        _entries[i] = entry;
    }

    private void Grow()
    {
        var old = _entries;
        _entries = NewEntries(old.Length * 2);
        foreach (ref readonly var e in old.AsSpan())
            if (e.Chunk >= 0) Place(e);
    }

    private static Entry[] NewEntries(int size)
    {
        var a = new Entry[size];
        Array.Fill(a, new Entry { Chunk = -1 });
        return a;
    }
}
