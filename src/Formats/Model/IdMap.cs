using System.Numerics;
using System.Runtime.CompilerServices;

namespace Stackweave.Formats.Model;

/// <summary>Hashes keys of an <see cref="IdMap{TKey, THash}"/> to 64 bits (the map takes the top bits).</summary>
internal interface IKeyHash<TKey>
{
    /// <summary>A well-mixed 64-bit hash of <paramref name="key"/>.</summary>
    static abstract ulong Hash(TKey key);
}

/// <summary>Fibonacci hashing of 64-bit keys.</summary>
internal readonly struct U64Hash : IKeyHash<ulong>
{
    // 2^64 / golden ratio: consecutive keys (stack ids, addresses) spread over the table's top bits.
    public static ulong Hash(ulong key) => key * 0x9E3779B97F4A7C15UL;
}

/// <summary>Hashes 128-bit keys by mixing both halves (splitmix64's multiplier for the high half).</summary>
internal readonly struct U128Hash : IKeyHash<UInt128>
{
    public static ulong Hash(UInt128 key) => ((ulong)key ^ ((ulong)(key >> 64) * 0xBF58476D1CE4E5B9UL)) * 0x9E3779B97F4A7C15UL;
}

/// <summary>
/// Maps unmanaged keys to non-negative ids: open addressing with linear probing in power-of-two arrays. On the
/// interning paths (stacks, locations, rows) it replaces Dictionary with tuple keys, whose per-field comparers and
/// HashCode.Combine dominated the profile of large captures. Keys are never removed.
/// </summary>
internal sealed class IdMap<TKey, THash> where TKey : unmanaged, IEquatable<TKey> where THash : IKeyHash<TKey>
{
    // key and slot side by side: a probe touches one cache line, not one in each of two arrays; packed to 4 bytes so
    // an entry takes no more room than the two arrays did (12 bytes for a 64-bit key, 20 for a 128-bit one)
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private struct Entry
    {
        public TKey Key;
        public int Slot; // id + 1; 0 = empty
    }

    private Entry[] _entries;
    private int _shift;
    private int _count;

    /// <summary>Creates a map with room for about <paramref name="capacity"/> keys before it grows.</summary>
    public IdMap(int capacity = 16)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        _entries = new Entry[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>The id of <paramref name="key"/>, if present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(TKey key, out int id)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = (int)(THash.Hash(key) >> _shift); ; i = (i + 1) & mask)
        {
            ref var e = ref entries[i];
            if (e.Slot == 0) { id = -1; return false; }
            if (e.Key.Equals(key)) { id = e.Slot - 1; return true; }
        }
    }

    /// <summary>
    /// The id of <paramref name="key"/>; if absent, adds it with <paramref name="newId"/> (≥ 0) and returns that — one
    /// probe sequence where a lookup and then an insertion would take two.
    /// </summary>
    public int GetOrAdd(TKey key, int newId)
    {
        if ((_count + 1) * 2 > _entries.Length) Grow();
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = (int)(THash.Hash(key) >> _shift); ; i = (i + 1) & mask)
        {
            ref var e = ref entries[i];
            if (e.Slot == 0)
            {
                e.Key = key;
                e.Slot = newId + 1;
                _count++;
                return newId;
            }
            if (e.Key.Equals(key)) return e.Slot - 1;
        }
    }

    private void Place(in Entry entry)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        var i = (int)(THash.Hash(entry.Key) >> _shift);
        while (entries[i].Slot != 0) i = (i + 1) & mask;
        entries[i] = entry;
    }

    private void Grow()
    {
        var old = _entries;
        _entries = new Entry[old.Length * 2];
        _shift--;
        foreach (ref readonly var e in old.AsSpan())
            if (e.Slot != 0) Place(e);
    }
}
