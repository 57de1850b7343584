namespace Stackweave.Formats.Model;

/// <summary>The neutral model every reader builds and every writer consumes (pprof's model plus time and threads).</summary>
public sealed class Profile
{
    /// <summary>Creates an empty profile with the given sample types.</summary>
    public Profile(IReadOnlyList<SampleType> sampleTypes)
    {
        SampleTypes = sampleTypes;
        Samples = new SampleTable(sampleTypes.Count);
    }

    /// <summary>Where the profile came from.</summary>
    public Source Source { get; } = new();
    /// <summary>Interned strings.</summary>
    public StringTable Strings { get; } = new();
    /// <summary>Mappings, indexed by id.</summary>
    public List<Mapping> Mappings { get; } = [];
    /// <summary>Functions, indexed by id.</summary>
    public List<Function> Functions { get; } = [];
    /// <summary>Locations, indexed by id.</summary>
    public List<Location> Locations { get; } = [];
    /// <summary>Stacks (prefix tree of locations).</summary>
    public StackTable Stacks { get; } = new();
    /// <summary>Threads, indexed by id.</summary>
    public List<ThreadInfo> Threads { get; } = [];
    /// <summary>What each value column measures.</summary>
    public IReadOnlyList<SampleType> SampleTypes { get; }
    /// <summary>Events (perf events, bpftrace maps...); samples point into it by index.</summary>
    public List<EventInfo> Events { get; } = [];
    /// <summary>The samples.</summary>
    public SampleTable Samples { get; }
    /// <summary>Timestamped events that are not samples (bpftrace printf lines…), in source order.</summary>
    public List<Mark> Marks { get; } = [];
    /// <summary>Histograms the source aggregated (bpftrace hist/lhist), in source order.</summary>
    public List<Histogram> Histograms { get; } = [];
    /// <summary>Sampling period type (pprof period_type), when known.</summary>
    public SampleType? PeriodType { get; set; }
    /// <summary>Sampling period, 0 when unknown.</summary>
    public long Period { get; set; }
    /// <summary>Capture start, in the source clock (ns); null when unknown.</summary>
    public long? StartTime { get; set; }
    /// <summary>Capture duration in ns, 0 when unknown.</summary>
    public long DurationNs { get; set; }
    /// <summary>The source clock and its alignment.</summary>
    public Clock Clock { get; } = new();
    /// <summary>
    /// The inputs of a timeline merge, one per source, each with its own clock mapping; samples and marks point into it
    /// (<see cref="SampleTable.Part"/>, <see cref="Mark.Part"/>). Empty for a profile read from one input.
    /// </summary>
    public List<SourcePart> Parts { get; } = [];
    /// <summary>Free-form comments (pprof comment).</summary>
    public List<string> Comments { get; } = [];
    /// <summary>Type name of the sample type shown by default (pprof default_sample_type); null: the last one.</summary>
    public string? DefaultSampleType { get; set; }
    /// <summary>Frames to drop with everything beneath them (pprof drop_frames, a regexp); null when none.</summary>
    public string? DropFrames { get; set; }
    /// <summary>Frames spared by <see cref="DropFrames"/> (pprof keep_frames, a regexp); null when none.</summary>
    public string? KeepFrames { get; set; }
    /// <summary>Where the profile's documentation is (pprof doc_url); null when none.</summary>
    public string? DocUrl { get; set; }
    /// <summary>Under salvage: the damage that ended reading early; null when the input was read whole.</summary>
    public IO.CaptureFormatException? Damage { get; set; }
    /// <summary>What was skipped, lost or unresolved.</summary>
    public Diagnostics Diagnostics { get; } = new();

    private IdMap<UInt128, U128Hash>? _locationIds = new(1024); // null after TrimLookups until the next InternLocation
    private readonly Dictionary<(int Name, int SystemName, int File), int> _functionIds = [];
    private readonly Dictionary<(int Pid, int Tid, string Name), int> _threadIds = [];

    /// <summary>Returns the location for (mapping, address), adding it if new; symbolization fills its lines later.</summary>
    public int InternLocation(int mappingId, ulong address, bool isReturnAddress = false)
    {
        var id = (_locationIds ??= LocationLookup()).GetOrAdd(LocationKey(mappingId, address, isReturnAddress), Locations.Count);
        if (id == Locations.Count) Locations.Add(new Location { Id = id, MappingId = mappingId, Address = address, IsReturnAddress = isReturnAddress });
        return id;
    }

    // key: address, then the mapping id and the return-address flag (mapping ids are ≥ -1)
    private static UInt128 LocationKey(int mappingId, ulong address, bool isReturnAddress)
        => new(((ulong)(uint)mappingId << 1) | (isReturnAddress ? 1UL : 0UL), address);

    private IdMap<UInt128, U128Hash> LocationLookup()
    {
        var ids = new IdMap<UInt128, U128Hash>(Math.Max(1024, Locations.Count));
        for (var i = 0; i < Locations.Count; i++) ids.GetOrAdd(LocationKey(Locations[i].MappingId, Locations[i].Address, Locations[i].IsReturnAddress), i);
        return ids;
    }

    /// <summary>
    /// Drops the hash tables that find existing stacks and locations (built again when one is next interned): a profile
    /// that has been read keeps what it holds, not the means to add to it. On a large capture that is tens of MB.
    /// </summary>
    public void TrimLookups()
    {
        Stacks.TrimLookup();
        _locationIds = null;
    }

    /// <summary>Returns the function with these names, adding it if new.</summary>
    public int InternFunction(string name, string? systemName = null, string? fileName = null)
    {
        var key = (Strings.Intern(name), Strings.Intern(systemName ?? name), Strings.Intern(fileName ?? ""));
        if (_functionIds.TryGetValue(key, out var id)) return id;
        id = Functions.Count;
        Functions.Add(new Function { Id = id, Name = key.Item1, SystemName = key.Item2, FileName = key.Item3 });
        _functionIds.Add(key, id);
        return id;
    }

    private readonly Dictionary<(int Name, int SystemName, int File, long StartLine), int> _sourceFunctionIds = [];

    /// <summary>Returns the function with these names, source file and first line (e.g. from DWARF), adding it if new.</summary>
    public int InternFunction(string name, string? systemName, string? fileName, long startLine)
    {
        if (startLine == 0) return InternFunction(name, systemName, fileName);
        var key = (Strings.Intern(name), Strings.Intern(systemName ?? name), Strings.Intern(fileName ?? ""), startLine);
        if (_sourceFunctionIds.TryGetValue(key, out var id)) return id;
        id = Functions.Count;
        Functions.Add(new Function { Id = id, Name = key.Item1, SystemName = key.Item2, FileName = key.Item3, StartLine = startLine });
        _sourceFunctionIds.Add(key, id);
        return id;
    }

    /// <summary>Returns the thread (pid, tid, name), adding it if new.</summary>
    public int InternThread(int pid, int tid, string name)
    {
        if (_threadIds.TryGetValue((pid, tid, name), out var id)) return id;
        id = Threads.Count;
        Threads.Add(new ThreadInfo(id, pid, tid, name));
        _threadIds.Add((pid, tid, name), id);
        return id;
    }

    /// <summary>Adds a mapping and returns its id.</summary>
    public int AddMapping(Mapping m)
    {
        var id = Mappings.Count;
        Mappings.Add(new Mapping { Id = id, Start = m.Start, Limit = m.Limit, FileOffset = m.FileOffset, Path = m.Path, BuildId = m.BuildId, Kind = m.Kind, Pid = m.Pid,
            HasFunctions = m.HasFunctions, HasFilenames = m.HasFilenames, HasLineNumbers = m.HasLineNumbers, HasInlineFrames = m.HasInlineFrames });
        return id;
    }

    /// <summary>Display name of a function.</summary>
    public string FunctionName(int functionId) => Strings[Functions[functionId].Name];
}
