namespace Stackweave.Formats.Model;

/// <summary>One bucket of a histogram: [Lo, Hi) with a count; a null bound is open (bpftrace's "(..., 0)" and "[100, ...)").</summary>
public readonly record struct HistogramBucket(long? Lo, long? Hi, long Count);

/// <summary>An aggregated histogram (bpftrace hist()/lhist()): the map it came from, its key as printed, and its buckets in order.</summary>
public sealed record Histogram(string Map, string Key, IReadOnlyList<HistogramBucket> Buckets);
