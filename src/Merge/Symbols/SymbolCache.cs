using System.Collections.Concurrent;
using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfData;

namespace Stackweave.Merge.Symbols;

/// <summary>
/// Symbol sources loaded once and shared between threads: kallsyms files by path, binaries by (recorded path, build id).
/// A failed load is remembered too (the same exception is thrown to every caller). Lets symbol tables be loaded in the
/// background while a capture is still being read (<see cref="Preload"/>).
/// </summary>
public sealed class SymbolCache
{
    private readonly ConcurrentDictionary<string, Lazy<Kallsyms>> _kallsyms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, string? BuildId), Lazy<BinarySymbols>> _binaries = new();

    /// <summary>The kallsyms file at <paramref name="path"/>, loaded on first use.</summary>
    public Kallsyms Kallsyms(string path, Stackweave.Formats.IO.Limits? limits = null) => _kallsyms.GetOrAdd(path, p => new Lazy<Kallsyms>(() => Symbols.Kallsyms.Load(p, limits))).Value;

    /// <summary>The symbols of a recorded binary, found and loaded by <paramref name="locator"/> on first use.</summary>
    public BinarySymbols Binary(BinaryLocator locator, string recordedPath, string? buildId) =>
        _binaries.GetOrAdd((recordedPath, buildId), k => new Lazy<BinarySymbols>(() => locator.Load(k.Path, k.BuildId))).Value;

    /// <summary>
    /// Starts loading, on a background thread, the symbol sources a perf.data capture will need: the binaries its
    /// BUILD_ID feature lists (perf records only those with samples) and the kernel's symbols. Other inputs, pipes and
    /// unreadable headers start nothing. Problems are left for the symbolizer to meet and report.
    /// </summary>
    public Task Preload(string input, SymbolOptions options)
    {
        if (input == "-" || !File.Exists(input)) return Task.CompletedTask;
        return Task.Run(() =>
        {
            List<(string Path, string BuildId)> objects = [];
            try
            {
                var (format, stream) = FormatRegistry.Open(input, ReadOptions.Default);
                using (stream)
                {
                    if (format is not PerfDataFormat || !stream.CanSeek) return;
                    using var file = PerfDataFile.Open(stream, input, ReadOptions.Default);
                    if (file.IsPipe) return;
                    foreach (var b in file.Features.BuildIds) objects.Add((b.Filename, b.BuildId));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Formats.IO.CaptureFormatException) { return; }
            var locator = new BinaryLocator(options);
            foreach (var (path, buildId) in objects)
            {
                try
                {
                    var (dso, kind) = PerfProfileBuilder.DsoOf(path, path.StartsWith('[') || path.StartsWith("/lib/modules/", StringComparison.Ordinal));
                    if (kind == MappingKind.Kernel)
                    {
                        if (Symbolizer.KallsymsSource(options, locator, BinaryLocator.Normalize(buildId)) is { } k) Kallsyms(k.Path);
                    }
                    else if (kind == MappingKind.User) Binary(locator, dso, BinaryLocator.Normalize(buildId));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Formats.IO.CaptureFormatException) { }
            }
        });
    }
}
