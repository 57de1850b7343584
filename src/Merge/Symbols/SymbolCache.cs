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
        return RunInBackground(() =>
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

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own at a lower scheduling priority (Linux: nice 10), so that on a
    /// machine with few cores the thread that reads the capture keeps its core; the loading fills the gaps.
    /// </summary>
    private static Task RunInBackground(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            LowerPriority.OfCurrentThread();
            try { work(); done.SetResult(); }
            catch (Exception e) { done.SetException(e); }
        }) { IsBackground = true, Name = "symbol preload" }.Start();
        return done.Task;
    }
}

/// <summary>Lowers the calling thread's scheduling priority where the platform allows it (Linux: setpriority on its tid).</summary>
internal static class LowerPriority
{
    private const int PrioProcess = 0;  // PRIO_PROCESS (sys/resource.h): with a tid, one thread on Linux
    private const long SysGettid = 186; // __NR_gettid on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl)
    private const int Nice = 10;        // nice(1)'s default increment

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int setpriority(int which, uint who, int prio);

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern long syscall(long number);

    /// <summary>Best effort: anything but Linux on x86_64, or a refusal, leaves the priority as it is.</summary>
    public static void OfCurrentThread()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64) return;
        try
        {
            var tid = syscall(SysGettid);
            if (tid > 0) _ = setpriority(PrioProcess, (uint)tid, Nice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
