namespace Stackweave.Formats.Pprof;

/// <summary>Field numbers of profile.proto (github.com/google/pprof, proto/profile.proto, as of doc_url and Line.column).</summary>
internal static class PprofFields
{
    // message Profile
    public const int SampleType = 1;        // repeated ValueType sample_type = 1
    public const int Sample = 2;            // repeated Sample sample = 2
    public const int Mapping = 3;           // repeated Mapping mapping = 3
    public const int Location = 4;          // repeated Location location = 4
    public const int Function = 5;          // repeated Function function = 5
    public const int StringTable = 6;       // repeated string string_table = 6
    public const int DropFrames = 7;        // int64 drop_frames = 7 (string index)
    public const int KeepFrames = 8;        // int64 keep_frames = 8 (string index)
    public const int TimeNanos = 9;         // int64 time_nanos = 9
    public const int DurationNanos = 10;    // int64 duration_nanos = 10
    public const int PeriodType = 11;       // ValueType period_type = 11
    public const int Period = 12;           // int64 period = 12
    public const int Comment = 13;          // repeated int64 comment = 13 (string indexes)
    public const int DefaultSampleType = 14; // int64 default_sample_type = 14 (string index)
    public const int DocUrl = 15;           // int64 doc_url = 15 (string index; newer than Go 1.19's pprof)

    // message ValueType
    public const int ValueTypeType = 1;     // int64 type = 1
    public const int ValueTypeUnit = 2;     // int64 unit = 2

    // message Sample
    public const int SampleLocationId = 1;  // repeated uint64 location_id = 1
    public const int SampleValue = 2;       // repeated int64 value = 2
    public const int SampleLabel = 3;       // repeated Label label = 3

    // message Label
    public const int LabelKey = 1;          // int64 key = 1
    public const int LabelStr = 2;          // int64 str = 2
    public const int LabelNum = 3;          // int64 num = 3
    public const int LabelNumUnit = 4;      // int64 num_unit = 4

    // message Mapping
    public const int MappingId = 1;         // uint64 id = 1
    public const int MappingStart = 2;      // uint64 memory_start = 2
    public const int MappingLimit = 3;      // uint64 memory_limit = 3
    public const int MappingOffset = 4;     // uint64 file_offset = 4
    public const int MappingFilename = 5;   // int64 filename = 5
    public const int MappingBuildId = 6;    // int64 build_id = 6
    public const int MappingHasFunctions = 7;   // bool has_functions = 7
    public const int MappingHasFilenames = 8;   // bool has_filenames = 8
    public const int MappingHasLineNumbers = 9; // bool has_line_numbers = 9
    public const int MappingHasInlineFrames = 10; // bool has_inline_frames = 10

    // message Location
    public const int LocationId = 1;        // uint64 id = 1
    public const int LocationMappingId = 2; // uint64 mapping_id = 2
    public const int LocationAddress = 3;   // uint64 address = 3
    public const int LocationLine = 4;      // repeated Line line = 4
    public const int LocationIsFolded = 5;  // bool is_folded = 5

    // message Line
    public const int LineFunctionId = 1;    // uint64 function_id = 1
    public const int LineLine = 2;          // int64 line = 2
    public const int LineColumn = 3;        // int64 column = 3

    // message Function
    public const int FunctionId = 1;        // uint64 id = 1
    public const int FunctionName = 2;      // int64 name = 2
    public const int FunctionSystemName = 3; // int64 system_name = 3
    public const int FunctionFilename = 4;  // int64 filename = 4
    public const int FunctionStartLine = 5; // int64 start_line = 5
}

/// <summary>Protobuf wire types (protobuf encoding spec, "Message Structure").</summary>
internal static class WireType
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int Len = 2;
    public const int StartGroup = 3;
    public const int EndGroup = 4;
    public const int Fixed32 = 5;
}
