using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Turns a perf.data record stream into the neutral profile: processes, address spaces over time, samples and stacks.</summary>
public static class PerfProfileBuilder
{
    /// <summary>Builds the profile.</summary>
    public static Profile Build(PerfDataFile file, ReadOptions options) => throw new NotImplementedException();
}
