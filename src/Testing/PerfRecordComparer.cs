using System.Collections;
using System.Reflection;
using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>Compares records field by field, ignoring where they were read from (Offset, Size, Stream, InCompressed).</summary>
public static class PerfRecordComparer
{
    private static readonly HashSet<string> s_ignored = new(StringComparer.Ordinal)
    {
        nameof(PerfRecord.Offset), nameof(PerfRecord.Size), nameof(PerfRecord.Stream), nameof(PerfRecord.InCompressed),
        nameof(PerfRecord.AttrIndex), nameof(PerfRecord.Time), nameof(PerfRecord.CpuMode),
    };

    /// <summary>The differences between a written record and the record read back, empty when they are equal. AttrIndex is compared for samples only.</summary>
    public static List<string> Differences(PerfRecord expected, PerfRecord actual)
    {
        var diffs = new List<string>();
        if (expected.GetType() != actual.GetType())
        {
            diffs.Add($"record type: {expected.GetType().Name} {expected.Type} vs {actual.GetType().Name} {actual.Type}");
            return diffs;
        }
        if (expected is SampleRecord && expected.AttrIndex != actual.AttrIndex)
            diffs.Add(FormattableString.Invariant($"AttrIndex: {expected.AttrIndex} vs {actual.AttrIndex}"));
        CompareMembers(expected.GetType(), expected, actual, expected.Type.ToString(), diffs);
        return diffs;
    }

    private static void CompareMembers(Type type, object expected, object actual, string path, List<string> diffs)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance;
        foreach (var f in type.GetFields(flags))
            CompareValues(f.GetValue(expected), f.GetValue(actual), path + "." + f.Name, diffs);
        foreach (var p in type.GetProperties(flags))
        {
            if (s_ignored.Contains(p.Name) || p.GetIndexParameters().Length != 0 || p.PropertyType.IsByRefLike) continue;
            CompareValues(p.GetValue(expected), p.GetValue(actual), path + "." + p.Name, diffs);
        }
    }

    private static void CompareValues(object? e, object? a, string path, List<string> diffs)
    {
        if (e is null || a is null)
        {
            if (e is not null || a is not null) diffs.Add($"{path}: {Show(e)} vs {Show(a)}");
            return;
        }
        if (e is IList el && a is IList al && e is not string)
        {
            if (el.Count != al.Count) { diffs.Add(FormattableString.Invariant($"{path}: {el.Count} items vs {al.Count}")); return; }
            for (var i = 0; i < el.Count; i++) CompareValues(el[i], al[i], FormattableString.Invariant($"{path}[{i}]"), diffs);
            return;
        }
        if (e is ReadValues || e is SampleId)
        {
            CompareMembers(e.GetType(), e, a, path, diffs);
            return;
        }
        if (!e.Equals(a)) diffs.Add($"{path}: {Show(e)} vs {Show(a)}");
    }

    private static string Show(object? v) => v switch
    {
        null => "null",
        ulong u => FormattableString.Invariant($"0x{u:x}"),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
