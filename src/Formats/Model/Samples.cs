namespace Stackweave.Formats.Model;

/// <summary>What one value column of the samples measures (pprof's ValueType).</summary>
public readonly record struct SampleType(string Type, string Unit);

/// <summary>A sample label: a string or a number (with unit), as in pprof.</summary>
public readonly record struct Label(string Key, string? Str, long Num = 0, string? NumUnit = null);

/// <summary>Samples stored column by column; index i across the columns is one sample.</summary>
public sealed class SampleTable
{
    /// <summary>Marks a sample without its own timestamp.</summary>
    public const long NoTime = long.MinValue;

    private int[] _stack = new int[256];
    private int[] _thread = new int[256];
    private int[] _event = new int[256];
    private int[] _cpu = new int[256];
    private long[] _time = new long[256];
    private long[] _values = new long[256];
    private int[]? _part;
    private Dictionary<int, Label[]>? _labels;

    /// <summary>Creates a table with <paramref name="valueCount"/> values per sample.</summary>
    public SampleTable(int valueCount) => ValueCount = valueCount;

    /// <summary>Values per sample (the number of sample types).</summary>
    public int ValueCount { get; }
    /// <summary>Number of samples.</summary>
    public int Count { get; private set; }

    /// <summary>Stack id of sample i.</summary>
    public int Stack(int i) => _stack[i];
    /// <summary>Thread id (index into <see cref="Profile.Threads"/>) of sample i, -1 when unknown.</summary>
    public int Thread(int i) => _thread[i];
    /// <summary>Event index (into <see cref="Profile.Events"/>) of sample i.</summary>
    public int Event(int i) => _event[i];
    /// <summary>CPU of sample i, -1 when unknown.</summary>
    public int Cpu(int i) => _cpu[i];
    /// <summary>Timestamp of sample i in the source clock (ns), or <see cref="NoTime"/>.</summary>
    public long Time(int i) => _time[i];
    /// <summary>Values of sample i, one per sample type.</summary>
    public ReadOnlySpan<long> Values(int i) => _values.AsSpan(i * ValueCount, ValueCount);
    /// <summary>Index of sample i's input in <see cref="Profile.Parts"/> (0 for a profile read from one input).</summary>
    public int Part(int i) => _part is null ? 0 : _part[i];
    /// <summary>Labels of sample i (empty when none).</summary>
    public ReadOnlySpan<Label> Labels(int i) => _labels is not null && _labels.TryGetValue(i, out var l) ? l : [];

    /// <summary>Appends a sample and returns its index.</summary>
    public int Add(int stack, int thread, long time, ReadOnlySpan<long> values, int evt = 0, int cpu = -1, Label[]? labels = null, int part = 0)
    {
        if (values.Length != ValueCount) throw new ArgumentException("value count differs from the sample types", nameof(values));
        if (Count == _stack.Length) Grow();
        var i = Count++;
        _stack[i] = stack; _thread[i] = thread; _event[i] = evt; _cpu[i] = cpu; _time[i] = time;
        if ((i + 1) * ValueCount > _values.Length) Array.Resize(ref _values, Math.Max(_values.Length * 2, (i + 1) * ValueCount));
        values.CopyTo(_values.AsSpan(i * ValueCount));
        if (labels is { Length: > 0 }) (_labels ??= [])[i] = labels;
        if (part != 0 && _part is null) _part = new int[_stack.Length];
        if (_part is not null) _part[i] = part;
        return i;
    }

    /// <summary>Adds <paramref name="values"/> to the values of sample i (aggregated rows).</summary>
    public void AddValues(int i, ReadOnlySpan<long> values)
    {
        if (values.Length != ValueCount) throw new ArgumentException("value count differs from the sample types", nameof(values));
        var row = _values.AsSpan(i * ValueCount, ValueCount);
        for (var k = 0; k < row.Length; k++) row[k] += values[k];
    }

    /// <summary>Points sample i at another stack (passes that rewrite stacks: pruning, label frames).</summary>
    public void SetStack(int i, int stack) => _stack[i] = stack;

    /// <summary>Replaces every sample's stack s by <paramref name="map"/>[s] (the root stays the root).</summary>
    public void RemapStacks(ReadOnlySpan<int> map)
    {
        for (var i = 0; i < Count; i++)
            if (_stack[i] >= 0) _stack[i] = map[_stack[i]];
    }

    /// <summary>Keeps the samples whose <paramref name="keep"/> flag is set, in order (filters and slices).</summary>
    public void Compact(ReadOnlySpan<bool> keep)
    {
        var n = 0;
        for (var i = 0; i < Count; i++)
        {
            if (!keep[i]) continue;
            if (n != i)
            {
                _stack[n] = _stack[i]; _thread[n] = _thread[i]; _event[n] = _event[i]; _cpu[n] = _cpu[i]; _time[n] = _time[i];
                if (_part is not null) _part[n] = _part[i];
                _values.AsSpan(i * ValueCount, ValueCount).CopyTo(_values.AsSpan(n * ValueCount));
                if (_labels is not null)
                {
                    if (_labels.Remove(i, out var l)) _labels[n] = l;
                    else _labels.Remove(n);
                }
            }
            n++;
        }
        if (_labels is not null) foreach (var k in _labels.Keys.Where(k => k >= n).ToList()) _labels.Remove(k);
        Count = n;
    }

    private void Grow()
    {
        var n = _stack.Length * 2;
        if (_part is not null) Array.Resize(ref _part, n);
        Array.Resize(ref _stack, n); Array.Resize(ref _thread, n); Array.Resize(ref _event, n);
        Array.Resize(ref _cpu, n); Array.Resize(ref _time, n);
    }
}
