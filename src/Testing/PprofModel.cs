namespace Stackweave.Testing;

/// <summary>A pprof profile as profile.proto (github.com/google/pprof/proto/profile.proto) holds it, with strings in place of string-table indexes: the truth a generated file encodes.</summary>
public sealed record PprofProfile
{
    /// <summary>sample_type = 1.</summary>
    public IReadOnlyList<PprofValueType> SampleTypes { get; init; } = [];
    /// <summary>sample = 2.</summary>
    public IReadOnlyList<PprofSample> Samples { get; init; } = [];
    /// <summary>mapping = 3.</summary>
    public IReadOnlyList<PprofMapping> Mappings { get; init; } = [];
    /// <summary>location = 4.</summary>
    public IReadOnlyList<PprofLocation> Locations { get; init; } = [];
    /// <summary>function = 5.</summary>
    public IReadOnlyList<PprofFunction> Functions { get; init; } = [];
    /// <summary>drop_frames = 7 (a regexp; "" = unset).</summary>
    public string DropFrames { get; init; } = "";
    /// <summary>keep_frames = 8.</summary>
    public string KeepFrames { get; init; } = "";
    /// <summary>time_nanos = 9.</summary>
    public long TimeNanos { get; init; }
    /// <summary>duration_nanos = 10.</summary>
    public long DurationNanos { get; init; }
    /// <summary>period_type = 11 (null = absent).</summary>
    public PprofValueType? PeriodType { get; init; }
    /// <summary>period = 12.</summary>
    public long Period { get; init; }
    /// <summary>comment = 13 (string-table indexes on the wire).</summary>
    public IReadOnlyList<string> Comments { get; init; } = [];
    /// <summary>default_sample_type = 14 ("" = unset).</summary>
    public string DefaultSampleType { get; init; } = "";
    /// <summary>doc_url = 15 ("" = unset).</summary>
    public string DocUrl { get; init; } = "";
    /// <summary>How the file is encoded.</summary>
    public PprofEncoding Encoding { get; init; } = new();
}

/// <summary>Wire choices that do not change the profile's content.</summary>
public sealed record PprofEncoding
{
    /// <summary>gzip the protobuf (what Go writes) or leave it raw.</summary>
    public bool Gzip { get; init; }
    /// <summary>How repeated scalar fields (location_id, value, comment) are written.</summary>
    public PprofPacking Packing { get; init; } = PprofPacking.Packed;
    /// <summary>Write the string table first (as Go's encoder does not: it writes it after the messages) — readers must not depend on field order.</summary>
    public bool StringsFirst { get; init; }
}

/// <summary>Encodings of repeated scalar fields (protobuf packed or one tag per value).</summary>
public enum PprofPacking
{
    /// <summary>Always packed (one length-delimited field).</summary>
    Packed,
    /// <summary>Always one tag per value.</summary>
    Unpacked,
    /// <summary>Packed only with more than 2 values (Go's pprof encoder, profile/proto.go encodeUint64s).</summary>
    GoStyle,
    /// <summary>Alternating: packed in every other message, unpacked in the rest.</summary>
    Mixed,
}

/// <summary>ValueType: type = 1, unit = 2.</summary>
public sealed record PprofValueType(string Type, string Unit);

/// <summary>Sample: location_id = 1 (leaf first), value = 2, label = 3.</summary>
public sealed record PprofSample(IReadOnlyList<ulong> LocationIds, IReadOnlyList<long> Values, IReadOnlyList<PprofLabel> Labels);

/// <summary>Label: key = 1, str = 2, num = 3, num_unit = 4; a string label has <see cref="Str"/> non-null.</summary>
public sealed record PprofLabel(string Key, string? Str, long Num, string NumUnit);

/// <summary>Mapping: id = 1 … has_inline_frames = 10.</summary>
public sealed record PprofMapping(ulong Id, ulong MemoryStart, ulong MemoryLimit, ulong FileOffset, string Filename, string BuildId,
    bool HasFunctions, bool HasFilenames, bool HasLineNumbers, bool HasInlineFrames);

/// <summary>Location: id = 1, mapping_id = 2 (0 = none), address = 3, line = 4 (innermost first), is_folded = 5.</summary>
public sealed record PprofLocation(ulong Id, ulong MappingId, ulong Address, IReadOnlyList<PprofLine> Lines, bool IsFolded);

/// <summary>Line: function_id = 1, line = 2, column = 3 (newer profile.proto; Go 1.19's pprof skips it).</summary>
public sealed record PprofLine(ulong FunctionId, long Line, long Column);

/// <summary>Function: id = 1, name = 2, system_name = 3, filename = 4, start_line = 5.</summary>
public sealed record PprofFunction(ulong Id, string Name, string SystemName, string Filename, long StartLine);
