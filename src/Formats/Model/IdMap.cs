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
    private TKey[] _keys;
    private int[] _slots; // id + 1; 0 = empty
    private int _shift;
    private int _count;

    /// <summary>Creates a map with room for about <paramref name="capacity"/> keys before it grows.</summary>
    public IdMap(int capacity = 16)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        _keys = new TKey[size];
        _slots = new int[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>The id of <paramref name="key"/>, if present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(TKey key, out int id)
    {
        var mask = _slots.Length - 1;
        for (var i = (int)(THash.Hash(key) >> _shift); ; i = (i + 1) & mask)
        {
            var s = _slots[i];
            if (s == 0) { id = -1; return false; }
            if (_keys[i].Equals(key)) { id = s - 1; return true; }
        }
    }

    /// <summary>
    /// The id of <paramref name="key"/>; if absent, adds it with <paramref name="newId"/> (≥ 0) and returns that — one
    /// probe sequence where TryGetValue then Add would take two.
    /// </summary>
    public int GetOrAdd(TKey key, int newId)
    {
        if ((_count + 1) * 2 > _slots.Length) Grow();
        var mask = _slots.Length - 1;
        for (var i = (int)(THash.Hash(key) >> _shift); ; i = (i + 1) & mask)
        {
            var s = _slots[i];
            if (s == 0)
            {
                _keys[i] = key;
                _slots[i] = newId + 1;
                _count++;
                return newId;
            }
            if (_keys[i].Equals(key)) return s - 1;
        }
    }

    /// <summary>Adds <paramref name="key"/> (which must be absent) with <paramref name="id"/> (≥ 0).</summary>
    public void Add(TKey key, int id)
    {
        if ((_count + 1) * 2 > _slots.Length) Grow();
        Place(key, id + 1);
        _count++;
    }

    private void Place(TKey key, int slot)
    {
        var mask = _slots.Length - 1;
        var i = (int)(THash.Hash(key) >> _shift);
        while (_slots[i] != 0) i = (i + 1) & mask;
        _keys[i] = key;
        _slots[i] = slot;
    }

    private void Grow()
    {
        var oldKeys = _keys;
        var oldSlots = _slots;
        _keys = new TKey[oldSlots.Length * 2];
        _slots = new int[oldSlots.Length * 2];
        _shift--;
        for (var i = 0; i < oldSlots.Length; i++)
            if (oldSlots[i] != 0) Place(oldKeys[i], oldSlots[i]);
    }
}
