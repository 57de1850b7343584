using Stackweave.Formats.Model;

namespace Stackweave.Merge.Pprof;

/// <summary>Choosing a profile's value column by sample type name, and pprof's default.</summary>
public static class SampleTypes
{
    /// <summary>Index of the sample type whose type name is <paramref name="name"/> (ordinal), or -1.</summary>
    public static int IndexOf(Profile p, string name)
    {
        for (var i = 0; i < p.SampleTypes.Count; i++)
            if (string.Equals(p.SampleTypes[i].Type, name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>pprof's default value column: default_sample_type when it names one, else the last sample type.</summary>
    public static int DefaultIndex(Profile p)
    {
        if (p.DefaultSampleType is { } d && IndexOf(p, d) is var i and >= 0) return i;
        return p.SampleTypes.Count - 1;
    }

    /// <summary>"type/unit, type/unit" for messages.</summary>
    public static string Describe(IReadOnlyList<SampleType> types)
        => types.Count == 0 ? "no sample types" : string.Join(", ", types.Select(t => t.Type + "/" + t.Unit));
}
