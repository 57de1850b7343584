using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols;

/// <summary>How a binary's symbols were found.</summary>
public enum SymbolRoute
{
    /// <summary>No usable file was found.</summary>
    NotFound,
    /// <summary>The file at its recorded path.</summary>
    RecordedPath,
    /// <summary>The file under --symfs.</summary>
    Symfs,
    /// <summary>The recorded path after a miss under --symfs, accepted because its build id matched.</summary>
    RecordedPathBuildIdChecked,
    /// <summary>A detached debug file found by build id (<c>.build-id/xx/rest.debug</c>).</summary>
    BuildIdDebugFile,
    /// <summary>A detached debug file found through <c>.gnu_debuglink</c> (CRC checked).</summary>
    DebugLink,
    /// <summary>A kallsyms file.</summary>
    Kallsyms,
    /// <summary>A JIT perf map (<c>perf-PID.map</c>).</summary>
    PerfMap,
    /// <summary>perf's build-id cache (<c>~/.debug/.build-id/xx/rest/{elf,vdso,debug,kallsyms}</c>).</summary>
    BuildIdCache,
    /// <summary>A debuginfod client cache (<c>BUILDID/debuginfo</c>, <c>BUILDID/executable</c>).</summary>
    Debuginfod,
    /// <summary>A jitdump file (<c>jit-PID.dump</c>) read directly.</summary>
    JitDump,
    /// <summary>A JIT perf map, with a jitdump for the addresses the map lacks.</summary>
    PerfMapAndJitDump,
}

/// <summary>One binary's symbol source: which files were used, how they were found, and the table.</summary>
public sealed class BinarySymbols
{
    /// <summary>Path as recorded in the capture.</summary>
    public required string RecordedPath { get; init; }
    /// <summary>Build id recorded in the capture, if any.</summary>
    public string? CaptureBuildId { get; init; }
    /// <summary>The runtime binary used (program headers), if found.</summary>
    public string? BinaryFile { get; internal set; }
    /// <summary>The file whose symbol table was used (the binary itself or its debug file).</summary>
    public string? SymbolFile { get; internal set; }
    /// <summary>Detached debug file used, if any.</summary>
    public string? DebugFile { get; internal set; }
    /// <summary>How the symbol file was found.</summary>
    public SymbolRoute Route { get; internal set; }
    /// <summary>True when the symbol table came from .dynsym only (stripped binary, no debug file).</summary>
    public bool DynsymOnly { get; internal set; }
    /// <summary>The table in file-offset space (perf's adjusted symbols), or null when nothing was found.</summary>
    public SymbolTable? Table { get; internal set; }
    /// <summary>Problems met (missing files, build-id mismatches, CRC mismatches, malformed ELF).</summary>
    public List<string> Messages { get; } = [];
    /// <summary>True when a table was loaded.</summary>
    public bool Found => Table is not null || Go is not null;
    /// <summary>
    /// The Go pclntab of the binary, loaded when its symbol table is missing, comes from <c>.dynsym</c> only, or holds
    /// no Go function (stripped Go binaries); null otherwise.
    /// </summary>
    public Go.GoBinary? Go { get; internal set; }
}

/// <summary>Finds a binary and its debug file the way perf does (symfs, build-id debug dirs, .gnu_debuglink) and loads its symbols.</summary>
public sealed class BinaryLocator(SymbolOptions options)
{
    /// <summary>Locates and loads the symbols of a user-space binary recorded at <paramref name="recordedPath"/>.</summary>
    public BinarySymbols Load(string recordedPath, string? captureBuildId)
    {
        var result = new BinarySymbols { RecordedPath = recordedPath, CaptureBuildId = Normalize(captureBuildId) };
        var wantId = result.CaptureBuildId;
        ElfFile? runtime = null;
        ElfFile? debug = null;
        try
        {
            // 1. The binary: under symfs, else (or after a symfs miss) at its recorded path.
            var pseudo = recordedPath.StartsWith('[');
            if (pseudo)
            {
                // [vdso] and friends have no file: only the build-id cache can have them.
            }
            else if (options.Symfs is { Length: > 0 } symfs)
            {
                var p = UnderRoot(symfs, recordedPath);
                if (File.Exists(p))
                {
                    runtime = TryOpenChecked(p, wantId, result);
                    if (runtime is not null) result.Route = SymbolRoute.Symfs;
                }
                if (runtime is null && options.FallBackToRecordedPath && File.Exists(recordedPath) && !SamePath(p, recordedPath))
                {
                    var f = TryOpen(recordedPath, result);
                    if (f is not null)
                    {
                        if (wantId is null || string.Equals(f.BuildId, wantId, StringComparison.Ordinal))
                        {
                            runtime = f;
                            result.Route = wantId is null ? SymbolRoute.RecordedPath : SymbolRoute.RecordedPathBuildIdChecked;
                        }
                        else
                        {
                            result.Messages.Add(Mismatch(recordedPath, f.BuildId, wantId));
                            f.Dispose();
                        }
                    }
                }
            }
            else if (File.Exists(recordedPath))
            {
                runtime = TryOpenChecked(recordedPath, wantId, result);
                if (runtime is not null) result.Route = SymbolRoute.RecordedPath;
            }
            // perf's build-id cache holds the very file perf saw at record time (also [vdso]).
            if (runtime is null && wantId is not null && CacheFile(wantId, "elf") is { } cachedElf)
            {
                runtime = TryOpenChecked(cachedElf, wantId, result);
                if (runtime is not null) result.Route = SymbolRoute.BuildIdCache;
            }
            if (runtime is null && wantId is not null && CacheFile(wantId, "vdso") is { } cachedVdso)
            {
                runtime = TryOpenChecked(cachedVdso, wantId, result);
                if (runtime is not null) result.Route = SymbolRoute.BuildIdCache;
            }
            // A debuginfod client cache keeps the executable it downloaded by build id.
            if (runtime is null && wantId is not null && DebuginfodFile(wantId, "executable") is { } dfExe)
            {
                runtime = TryOpenChecked(dfExe, wantId, result);
                if (runtime is not null) result.Route = SymbolRoute.Debuginfod;
            }
            if (runtime is not null) result.BinaryFile = runtime.Path;
            var binaryRoute = result.Route;

            // 2. The detached debug file: perf tries .gnu_debuglink before the build-id debug directory.
            var id = wantId ?? runtime?.BuildId;
            var debugRoute = SymbolRoute.NotFound;
            if (runtime?.DebugLink is { } link) debug = FindByDebugLink(recordedPath, runtime, link, result);
            if (debug is not null) debugRoute = SymbolRoute.DebugLink;
            if (debug is null && id is not null && CacheFile(id, "debug") is { } cachedDebug)
            {
                debug = TryOpenChecked(cachedDebug, id, result);
                if (debug is not null) debugRoute = SymbolRoute.BuildIdCache;
            }
            if (debug is null && id is not null)
            {
                debug = FindByBuildId(id, result);
                if (debug is not null) debugRoute = SymbolRoute.BuildIdDebugFile;
            }
            if (debug is null && id is not null && DebuginfodFile(id, "debuginfo") is { } dfDebug)
            {
                debug = TryOpenChecked(dfDebug, id, result);
                if (debug is not null) debugRoute = SymbolRoute.Debuginfod;
            }
            if (debug is not null) result.DebugFile = debug.Path;

            // 3. The symbol table: a .symtab (debug file first), else the binary's .dynsym.
            ElfFile? syms = null;
            if (debug?.SymtabSection is not null) syms = debug;
            else if (runtime?.SymtabSection is not null) syms = runtime;
            else if (runtime?.DynsymSection is not null) { syms = runtime; result.DynsymOnly = true; }
            else if (debug?.DynsymSection is not null) { syms = debug; result.DynsymOnly = true; }
            if (syms is null)
            {
                if (TryGo(runtime ?? debug, result))
                {
                    result.Route = runtime is not null ? binaryRoute : debugRoute;
                    result.SymbolFile = (runtime ?? debug)!.Path;
                    return result;
                }
                if (runtime is null && debug is null)
                {
                    result.Route = SymbolRoute.NotFound;
                    // A file that was there but refused (not ELF, other build id) has its message already.
                    if (result.Messages.Count == 0) result.Messages.Add("missing binary: " + recordedPath);
                }
                else
                {
                    result.Route = SymbolRoute.NotFound;
                    result.Messages.Add("no symbol table in " + (runtime ?? debug)!.Path);
                }
                return result;
            }
            result.Route = syms == debug ? debugRoute : binaryRoute;
            result.SymbolFile = syms.Path;
            try
            {
                result.Table = SymbolTable.FromElf(syms, runtime ?? syms);
            }
            catch (CaptureFormatException e)
            {
                result.Messages.Add("bad ELF: " + e.Message);
                result.Route = SymbolRoute.NotFound;
            }
            // A stripped Go binary keeps its pclntab: use it when the ELF symbols name no Go function.
            if (result.Table is null || result.DynsymOnly || !NamesGoFunctions(result.Table))
            {
                if (TryGo(runtime ?? syms, result) && result.Route == SymbolRoute.NotFound) result.Route = binaryRoute;
            }
            return result;
        }
        finally
        {
            runtime?.Dispose();
            debug?.Dispose();
        }
    }

    /// <summary>Loads the Go pclntab of <paramref name="file"/> into <paramref name="result"/>; false when it has none or it is damaged (noted).</summary>
    private static bool TryGo(ElfFile? file, BinarySymbols result)
    {
        if (file is null) return false;
        try
        {
            result.Go = Symbols.Go.GoBinary.Load(file);
        }
        catch (CaptureFormatException e)
        {
            result.Messages.Add("bad Go pclntab: " + e.Message);
        }
        return result.Go is not null;
    }

    /// <summary>True when a symbol table names Go functions (Go's linker writes runtime.* symbols into every .symtab it keeps).</summary>
    private static bool NamesGoFunctions(SymbolTable table)
    {
        foreach (var s in table.Symbols)
            if (s.Name.StartsWith("runtime.", StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>A file of perf's build-id cache for this build id (<paramref name="kind"/>: elf, debug, vdso, kallsyms), or null.</summary>
    public string? CacheFile(string buildId, string kind)
    {
        if (options.BuildIdCacheDir is not { Length: > 0 } cache || buildId.Length < 3) return null;
        var id = buildId.ToLowerInvariant();
        var link = Path.Combine(cache, ".build-id", id[..2], id[2..]);
        // perf 6.1 build-id.c build_id_cache__linkname: the link names a directory holding elf/debug/vdso/kallsyms;
        // caches of older perfs linked straight to the saved file (dso__build_id_filename's "old style" check).
        if (kind == "elf" && File.Exists(link)) return link;
        var p = Path.Combine(link, kind);
        return File.Exists(p) ? p : null;
    }

    /// <summary>A file of the debuginfod client cache for this build id (<paramref name="kind"/>: debuginfo or executable), or null.</summary>
    public string? DebuginfodFile(string buildId, string kind)
    {
        if (options.DebuginfodCacheDir is not { Length: > 0 } cache || buildId.Length < 3) return null;
        // elfutils debuginfod-client.c: $cache/<lower-case hex build id>/{debuginfo,executable,source-…}.
        var p = Path.Combine(cache, buildId.ToLowerInvariant(), kind);
        return File.Exists(p) ? p : null;
    }

    private ElfFile? FindByBuildId(string id, BinarySymbols result)
    {
        if (id.Length < 3) return null;
        var rel = Path.Combine(".build-id", id[..2], id[2..] + ".debug");
        foreach (var root in Roots())
            foreach (var dir in options.DebugDirs)
            {
                var p = UnderRoot(root, Path.Combine(dir, rel));
                if (!File.Exists(p)) continue;
                var f = TryOpen(p, result);
                if (f is null) continue;
                if (string.Equals(f.BuildId, id, StringComparison.Ordinal)) return f;
                result.Messages.Add(Mismatch(p, f.BuildId, id));
                f.Dispose();
            }
        return null;
    }

    private ElfFile? FindByDebugLink(string recordedPath, ElfFile runtime, ElfDebugLink link, BinarySymbols result)
    {
        // GDB's order (perf follows it): the binary's directory, its .debug/ subdirectory, then <debugdir>/<binary's dir>/.
        var dir = Path.GetDirectoryName(recordedPath) ?? "/";
        var candidates = new List<string> { Path.Combine(dir, link.FileName), Path.Combine(dir, ".debug", link.FileName) };
        foreach (var d in options.DebugDirs) candidates.Add(UnderRoot(d, Path.Combine(dir, link.FileName)));
        foreach (var root in Roots())
            foreach (var c in candidates)
            {
                var p = UnderRoot(root, c);
                if (SamePath(p, runtime.Path) || !File.Exists(p)) continue;
                var f = TryOpen(p, result);
                if (f is null) continue;
                uint crc;
                try { crc = f.ComputeCrc32(); }
                catch (CaptureFormatException e) { result.Messages.Add("bad ELF: " + e.Message); f.Dispose(); continue; }
                if (crc == link.Crc) return f;
                result.Messages.Add(FormattableString.Invariant($"debuglink CRC mismatch: {p} has 0x{crc:x8}, {recordedPath} expects 0x{link.Crc:x8}"));
                f.Dispose();
            }
        return null;
    }

    private IEnumerable<string> Roots()
    {
        if (options.Symfs is { Length: > 0 } s) yield return s;
        yield return "";
    }

    private ElfFile? TryOpenChecked(string path, string? wantId, BinarySymbols result)
    {
        var f = TryOpen(path, result);
        if (f is null || wantId is null || string.Equals(f.BuildId, wantId, StringComparison.Ordinal)) return f;
        result.Messages.Add(Mismatch(path, f.BuildId, wantId));
        f.Dispose();
        return null;
    }

    private static ElfFile? TryOpen(string path, BinarySymbols result)
    {
        try { return ElfFile.Open(path); }
        catch (CaptureFormatException e) { result.Messages.Add("bad ELF: " + e.Message); }
        catch (IOException e) { result.Messages.Add("cannot read " + path + ": " + e.Message); }
        catch (UnauthorizedAccessException e) { result.Messages.Add("cannot read " + path + ": " + e.Message); }
        return null;
    }

    private static string Mismatch(string path, string? has, string want) =>
        $"build-id mismatch: {path} has {has ?? "no build id"}, the capture recorded {want}; not used";

    private static string UnderRoot(string root, string path) =>
        root.Length == 0 ? path : Path.Join(root, path.TrimStart('/'));

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    internal static string? Normalize(string? buildId)
    {
        if (string.IsNullOrEmpty(buildId)) return null;
        return buildId.ToLowerInvariant();
    }
}
