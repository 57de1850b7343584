using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Turns a perf.data record stream into the neutral profile: threads, address spaces over time, samples and stacks.</summary>
public static class PerfProfileBuilder
{
    /// <summary>Sample types of every profile built from perf.data: one sample, and the event period.</summary>
    public static readonly SampleType[] SampleTypes = [new("samples", "count"), new("period", "count")];

    /// <summary>Builds the profile, reading every record once. Records passed to <paramref name="onRecord"/> are valid only during the call (SAMPLE records are reused).</summary>
    public static Profile Build(PerfDataFile file, ReadOptions options, Action<PerfRecord, int>? onRecord = null)
    {
        var profile = new Profile(SampleTypes);
        var state = new State(file, profile, options);
        var sample = new SampleRecord();
        foreach (var batch in ReadAhead(file))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var record = file.FromBatch(batch, i, sample);
                var sampleIndex = state.Process(record);
                onRecord?.Invoke(record, sampleIndex);
            }
        }
        state.Finish();
        return profile;
    }

    /// <summary>
    /// Reads, checks, orders and decodes records on a second thread, in batches, while the caller builds from the
    /// previous ones. Order is kept; a reading error is rethrown here, in order.
    /// </summary>
    private static IEnumerable<PerfRecordBatch> ReadAhead(PerfDataFile file)
    {
        using var full = new System.Collections.Concurrent.BlockingCollection<PerfRecordBatch>(boundedCapacity: 3);
        using var empty = new System.Collections.Concurrent.BlockingCollection<PerfRecordBatch>();
        for (var i = 0; i < 4; i++) empty.Add(new PerfRecordBatch());
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var b = empty.Take();
                    if (!file.NextBatch(b)) break;
                    full.Add(b);
                }
            }
            catch (Exception e) { failure = e; }
            finally { full.CompleteAdding(); }
        }) { IsBackground = true, Name = "perf.data reader" };
        producer.Start();
        try
        {
            foreach (var batch in full.GetConsumingEnumerable())
            {
                yield return batch;
                empty.Add(batch);
            }
        }
        finally
        {
            // An abandoned enumeration (an exception while building) lets the reader finish into the void.
            while (!full.IsCompleted) { if (full.TryTake(out var b, 50)) empty.Add(b); }
            producer.Join();
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Maps perf's attr.type to the model's event kind (include/uapi/linux/perf_event.h enum perf_type_id).</summary>
    public static EventKind KindOf(uint attrType) => attrType switch
    {
        0 => EventKind.Hardware,   // PERF_TYPE_HARDWARE
        1 => EventKind.Software,   // PERF_TYPE_SOFTWARE
        2 => EventKind.Tracepoint, // PERF_TYPE_TRACEPOINT
        3 => EventKind.HwCache,    // PERF_TYPE_HW_CACHE
        4 => EventKind.Raw,        // PERF_TYPE_RAW
        5 => EventKind.Breakpoint, // PERF_TYPE_BREAKPOINT
        _ => EventKind.Raw,        // dynamic PMU types
    };

    /// <summary>The name perf shows for a mapping's file (kernel image, module "[name]", or the path itself) and its kind.</summary>
    public static (string Path, MappingKind Kind) DsoOf(string filename, bool kernelSpace)
    {
        var kind = MappingClassifier.Classify(filename, kernelSpace);
        // tools/perf/util/machine.c: the kernel map is announced as "[kernel.kallsyms]_text" (or "_stext").
        if (kind == MappingKind.Kernel) return ("[kernel.kallsyms]", kind);
        if (kind == MappingKind.KernelModule && !filename.StartsWith('['))
        {
            // modules: perf shows "[name]" for /lib/modules/.../name.ko(.xz|.gz|.zst), '-' becoming '_'.
            var name = System.IO.Path.GetFileName(filename);
            var dot = name.IndexOf(".ko", StringComparison.Ordinal);
            if (dot > 0) name = name[..dot];
            return ("[" + name.Replace('-', '_') + "]", kind);
        }
        return (filename, kind);
    }

    private sealed class AddressSpace : IMappingLookup
    {
        // Mapping ids sorted by start; replaced where a new mapping overlaps (perf's maps__fixup_overlappings).
        public readonly List<(ulong Start, ulong End, int Id)> Maps = [];
        /// <summary>Stacks of the chains seen in this address space since it last changed (see StackOf).</summary>
        public readonly ChainCache<CachedStack> Chains = new();
        /// <summary>The last chain computed in this address space since it last changed, root first (see ComputeStack).</summary>
        public readonly LastChain LastChain = new();
        /// <summary>The kernel-space change count the cached chains were made under.</summary>
        public int KernelStamp;

        public AddressSpace Clone()
        {
            var c = new AddressSpace();
            c.Maps.AddRange(Maps);
            return c;
        }

        public void Insert(ulong start, ulong end, int id)
        {
            Chains.Clear();
            LastChain.Count = 0;
            var i = LowerBound(start);
            if (i > 0 && Maps[i - 1].End > start)
            {
                var prev = Maps[i - 1];
                Maps[i - 1] = (prev.Start, start, prev.Id);
                if (prev.End > end) Maps.Insert(i, (end, prev.End, prev.Id));
            }
            while (i < Maps.Count && Maps[i].Start < end)
            {
                var cur = Maps[i];
                if (cur.End > end) { Maps[i] = (end, cur.End, cur.Id); break; }
                Maps.RemoveAt(i);
            }
            Maps.Insert(i, (start, end, id));
        }

        public int Find(ulong address)
        {
            var i = LowerBound(address + 1) - 1;
            if (i >= 0 && address >= Maps[i].Start && address < Maps[i].End) return Maps[i].Id;
            return -1;
        }

        private int LowerBound(ulong start)
        {
            int lo = 0, hi = Maps.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (Maps[mid].Start < start) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }

    /// <summary>A chain's frames root first, with the stack node each one ends (valid while its address space is unchanged).</summary>
    private sealed class LastChain
    {
        public ulong[] Ips = new ulong[64];
        public bool[] Kernel = new bool[64];
        public int[] Stacks = new int[64];
        public int Count;

        public void Reserve(int n)
        {
            if (Ips.Length >= n) return;
            var size = Math.Max(n, Ips.Length * 2);
            Array.Resize(ref Ips, size);
            Array.Resize(ref Kernel, size);
            Array.Resize(ref Stacks, size);
        }
    }

    /// <summary>The stack a chain resolved to, and what resolving it counted.</summary>
    private readonly record struct CachedStack(int Stack, bool Invalid, bool Truncated);

    private sealed class State(PerfDataFile file, Profile profile, ReadOptions options)
    {
        private readonly Dictionary<int, string> _comm = [];
        private readonly Dictionary<int, int> _pidOfTid = [];
        private readonly Dictionary<int, AddressSpace> _spaces = [];
        private readonly AddressSpace _kernel = new();
        private readonly long[] _values = new long[2];
        private readonly List<int> _eventOfAttr = [];
        private int _kernelMapping = -1;

        private int EventOf(int attrIndex)
        {
            if (attrIndex < 0) attrIndex = 0;
            while (_eventOfAttr.Count <= attrIndex) _eventOfAttr.Add(-1);
            if (_eventOfAttr[attrIndex] >= 0) return _eventOfAttr[attrIndex];
            var info = new EventInfo { Name = attrIndex < file.Attrs.Count ? file.EventName(attrIndex) : "unknown" };
            if (attrIndex < file.Attrs.Count)
            {
                var a = file.Attrs[attrIndex];
                info.Kind = KindOf(a.Type);
                info.PeriodOrFreq = a.SamplePeriodOrFreq;
                info.Freq = a.Freq;
                info.PerfSampleType = (ulong)a.SampleType;
                // PERF_COUNT_SW_CPU_CLOCK = 0, PERF_COUNT_SW_TASK_CLOCK = 1 count nanoseconds.
                info.PeriodUnit = a.Type == 1 && a.Config <= 1 ? "nanoseconds" : "count";
            }
            _eventOfAttr[attrIndex] = profile.Events.Count;
            profile.Events.Add(info);
            return _eventOfAttr[attrIndex];
        }

        private AddressSpace Space(int pid)
        {
            if (!_spaces.TryGetValue(pid, out var s)) _spaces[pid] = s = new AddressSpace();
            return s;
        }

        public int Process(PerfRecord record)
        {
            switch (record)
            {
                case SampleRecord s: return Sample(s);
                case MmapRecord m: Mmap(m); break;
                case CommRecord c:
                    _comm[c.Tid] = c.Comm;
                    _pidOfTid[c.Tid] = c.Pid;
                    break;
                case ForkExitRecord f when f.Type == PerfRecordType.Fork:
                    if (_comm.TryGetValue(f.Ptid, out var parentComm)) _comm[f.Tid] = parentComm;
                    else if (_comm.TryGetValue(f.Ppid, out parentComm)) _comm[f.Tid] = parentComm;
                    _pidOfTid[f.Tid] = f.Pid;
                    // a new process gets a copy of its parent's address space; a new thread shares it
                    if (f.Pid != f.Ppid && _spaces.TryGetValue(f.Ppid, out var parent)) _spaces[f.Pid] = parent.Clone();
                    break;
                case LostRecord l:
                    profile.Diagnostics.Count("lost samples (PERF_RECORD_LOST)", (long)l.Lost);
                    break;
                case LostSamplesRecord ls:
                    profile.Diagnostics.Count("lost samples (PERF_RECORD_LOST_SAMPLES)", (long)ls.Lost);
                    break;
                case RawRecord r when (uint)r.Type >= 22:
                    break; // unknown types are counted by the reader
            }
            return -1;
        }

        private void Mmap(MmapRecord m)
        {
            if (m.IsData) return; // data mappings never hold code
            var kernelSpace = m.Pid == -1 || m.CpuMode == PerfConstants.MiscKernel || m.CpuMode == PerfConstants.MiscGuestKernel;
            var (path, kind) = DsoOf(m.Filename, kernelSpace);
            // tools/perf/util/map.c map__new: executable anonymous memory of a process is named after its JIT map
            // "/tmp/perf-PID.map" (MMAP records without prot count as executable unless MMAP_DATA; PROT_EXEC = 4).
            if (!kernelSpace && m.Pid > 0 && (!m.IsMmap2 || (m.Prot & 4) != 0) && IsAnonOrNoDsoMemory(m.Filename))
            {
                path = FormattableString.Invariant($"/tmp/perf-{m.Pid}.map");
                kind = MappingKind.Jit;
            }
            var start = m.Start;
            var end = m.Start + m.Length < m.Start ? ulong.MaxValue : m.Start + m.Length;
            var id = profile.AddMapping(new Mapping
            {
                Start = start, Limit = end, FileOffset = m.PageOffset, Path = path, Kind = kind,
                BuildId = m.BuildId ?? BuildIdOf(m.Filename) ?? BuildIdOf(path), Pid = kernelSpace ? -1 : m.Pid,
            });
            // The kernel map is announced from _text on; perf extends it to cover the whole kernel image (machine__update_kernel_mmap).
            if (kind == MappingKind.Kernel && _kernelMapping < 0) _kernelMapping = id;
            if (kernelSpace) { _kernel.Insert(start, end, id); _kernelStamp++; }
            else Space(m.Pid).Insert(start, end, id);
        }

        // perf's is_anon_memory ("//anon", "/dev/zero…", "/anon_hugepage…") and is_no_dso_memory ("[stack…", "/SYSV…", "[heap]").
        private static bool IsAnonOrNoDsoMemory(string f) =>
            f == "//anon" || f.StartsWith("/dev/zero", StringComparison.Ordinal) || f.StartsWith("/anon_hugepage", StringComparison.Ordinal)
            || f.StartsWith("[stack", StringComparison.Ordinal) || f.StartsWith("/SYSV", StringComparison.Ordinal) || f == "[heap]";

        private Dictionary<string, string>? _buildIds;
        private string? BuildIdOf(string filename)
        {
            if (_buildIds is null)
            {
                _buildIds = new(StringComparer.Ordinal);
                foreach (var b in file.Features.BuildIds) _buildIds.TryAdd(b.Filename, b.BuildId);
            }
            return _buildIds.TryGetValue(filename, out var id) ? id : null;
        }

        private int Sample(SampleRecord s)
        {
            var evt = EventOf(s.AttrIndex);
            var pid = s.SampleId.Pid;
            var tid = s.SampleId.Tid;
            if (pid < 0 && tid >= 0 && _pidOfTid.TryGetValue(tid, out var p)) pid = p;
            // A task that is exiting samples as pid/tid -1: perf names it ":-1" whatever else was called -1.
            var comm = tid < 0 ? DefaultComm(tid) : _comm.TryGetValue(tid, out var c) ? c : _comm.TryGetValue(pid, out c) ? c : DefaultComm(tid);
            var thread = ThreadOf(pid, tid, comm);

            var space = pid >= 0 && _spaces.TryGetValue(pid, out var sp) ? sp : null;
            var stack = options.UserStackUnwinder is { } unwinder && s.RegsUser is not null && s.StackUser is { Length: > 0 } && space is not null
                ? UnwoundStackOf(s, space, unwinder)
                : StackOf(s, space, s.CallchainSpan, s.HasCallchain);

            _values[0] = 1;
            _values[1] = (long)(s.Period != 0 ? s.Period : DefaultPeriod(s.AttrIndex));
            var time = (s.Attr(file) & SampleFormat.Time) != 0 ? (long)s.SampleId.Time : SampleTable.NoTime;
            var labels = s.Raw is not null ? TracepointLabels(s) : null;
            // rows of threads whose folded process name can hold the sample time keep their own rows (folded shows it)
            if (options.AggregateSamples && labels is null && ThreadAggregates(thread))
            {
                while (_rows.Count <= evt) _rows.Add(new IdMap<ulong, U64Hash>(1024));
                var row = _rows[evt].GetOrAdd(((ulong)(uint)thread << 32) | (uint)stack, profile.Samples.Count);
                if (row < profile.Samples.Count) profile.Samples.AddValues(row, _values);
                else profile.Samples.Add(stack, thread, time, _values, evt, s.SampleId.Cpu);
                return row;
            }
            return profile.Samples.Add(stack, thread, time, _values, evt, s.SampleId.Cpu, labels);
        }

        // per tid, the thread its last sample was given (an int-keyed lookup instead of hashing the comm every sample)
        private readonly Dictionary<int, (int Pid, string Comm, int Thread)> _threadOfTid = [];

        private int ThreadOf(int pid, int tid, string comm)
        {
            ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_threadOfTid, tid, out var seen);
            if (seen && last.Pid == pid && string.Equals(last.Comm, comm, StringComparison.Ordinal)) return last.Thread;
            last = (pid, comm, profile.InternThread(pid, tid, comm));
            return last.Thread;
        }

        private readonly List<sbyte> _threadAggregates = [];

        private bool ThreadAggregates(int thread)
        {
            while (_threadAggregates.Count <= thread) _threadAggregates.Add(-1);
            if (_threadAggregates[thread] < 0) _threadAggregates[thread] = (sbyte)(Folded.FoldedWriter.NameIgnoresTime(profile.Threads[thread]) ? 1 : 0);
            return _threadAggregates[thread] == 1;
        }
        private readonly List<IdMap<ulong, U64Hash>> _rows = []; // per event: (thread, stack) → aggregated row

        /// <summary>
        /// The stack of a sample. The stack a callchain gives depends only on the chain, the sample's cpumode and the
        /// address spaces, so it is computed once per distinct chain and address-space state (a cache per address
        /// space, cleared when a mapping changes it) — not once per sample.
        /// </summary>
        private int StackOf(SampleRecord s, AddressSpace? space, ReadOnlySpan<ulong> chain, bool hasChain)
        {
            var n = (hasChain ? chain.Length : 1) + 1;
            if (_key.Length < n) _key = new ulong[Math.Max(n, _key.Length * 2)];
            // key: cpumode and whether a callchain was recorded, then the chain (or the ip)
            _key[0] = s.CpuMode | (hasChain ? 0UL : 1UL << 32);
            if (hasChain) chain.CopyTo(_key.AsSpan(1));
            else _key[1] = s.Ip;
            var key = new ReadOnlySpan<ulong>(_key, 0, n);

            if (_kernelStamp != (space?.KernelStamp ?? _noSpaceStamp))
            {
                // a kernel mapping changed: every cached chain may hold kernel frames
                if (space is null) { _noSpace.Clear(); _noSpaceLast.Count = 0; _noSpaceStamp = _kernelStamp; }
                else { space.Chains.Clear(); space.LastChain.Count = 0; space.KernelStamp = _kernelStamp; }
            }
            var cache = space?.Chains ?? _noSpace;
            var hash = ChainCache<CachedStack>.Hash(key);
            if (cache.TryGetValue(key, hash, out var hit))
            {
                if (hit.Invalid) profile.Diagnostics.Count("callchains dropped: invalid context marker");
                if (hit.Truncated) profile.Diagnostics.Count("stacks truncated at the depth limit");
                return hit.Stack;
            }
            var r = ComputeStack(s, chain, hasChain, space, out var cacheable);
            if (cacheable) cache.Add(key, hash, r);
            return r.Stack;
        }

        private readonly List<ulong> _unwound = [];
        private ulong[] _joined = new ulong[128];

        /// <summary>
        /// The stack of a <c>--call-graph dwarf</c> sample, joined as perf joins it (util/machine.c thread__resolve_callchain:
        /// the recorded chain's kernel part, then the unwound user frames). The joined chain goes through the same cache.
        /// </summary>
        private int UnwoundStackOf(SampleRecord s, AddressSpace space, IUserStackUnwinder unwinder)
        {
            _unwound.Clear();
            var dyn = (int)Math.Min((ulong)s.StackUser!.Length, s.StackUserDynSize);
            var attr = s.AttrIndex >= 0 && s.AttrIndex < file.Attrs.Count ? file.Attrs[s.AttrIndex] : null;
            unwinder.Unwind(new UserStackSample
            {
                Arch = file.Features.Arch, RegsAbi = s.RegsUserAbi, RegsMask = attr?.SampleRegsUser ?? 0,
                Regs = s.RegsUser, Stack = s.StackUser.AsSpan(0, dyn), Pid = s.SampleId.Pid,
            }, profile, space, _unwound);
            if (_unwound.Count == 0) return StackOf(s, space, s.CallchainSpan, s.HasCallchain);
            var chain = s.CallchainSpan;
            var n = 0;
            // kernel part: everything before the first user context marker (dwarf mode records no user part)
            while (n < chain.Length && chain[n] != PerfConstants.ContextUser) n++;
            var need = n + 1 + _unwound.Count;
            if (_joined.Length < need) _joined = new ulong[Math.Max(need, _joined.Length * 2)];
            chain[..n].CopyTo(_joined);
            _joined[n] = PerfConstants.ContextUser;
            for (var i = 0; i < _unwound.Count; i++) _joined[n + 1 + i] = _unwound[i];
            return StackOf(s, space, _joined.AsSpan(0, need), true);
        }

        private ulong[] _key = new ulong[128];
        private readonly ChainCache<CachedStack> _noSpace = new();
        private int _kernelStamp, _noSpaceStamp;

        private CachedStack ComputeStack(SampleRecord s, ReadOnlySpan<ulong> chain, bool hasChain, AddressSpace? space, out bool cacheable)
        {
            cacheable = true;
            var invalid = false;
            var truncated = false;
            var n = 0;
            if (hasChain)
            {
                // first pass: the chain's frames (leaf first) and whether each is a kernel address
                if (_ips.Length < chain.Length) { _ips = new ulong[Math.Max(chain.Length, _ips.Length * 2)]; _inKernel = new bool[_ips.Length]; }
                var kernel = s.CpuMode is PerfConstants.MiscKernel or PerfConstants.MiscGuestKernel;
                foreach (var ip in chain)
                {
                    if (ip >= PerfConstants.ContextMax)
                    {
                        if (ip is not (PerfConstants.ContextHv or PerfConstants.ContextKernel or PerfConstants.ContextUser
                            or PerfConstants.ContextGuest or PerfConstants.ContextGuestKernel or PerfConstants.ContextGuestUser))
                        {
                            // perf drops the whole chain on an unknown context marker
                            // (util/machine.c thread__resolve_callchain_sample: "invalid callchain context").
                            profile.Diagnostics.Count("callchains dropped: invalid context marker");
                            n = 0;
                            invalid = true;
                            break;
                        }
                        kernel = ip is PerfConstants.ContextKernel or PerfConstants.ContextGuestKernel or PerfConstants.ContextHv;
                        continue;
                    }
                    if (n >= options.Limits.MaxStackDepth)
                    {
                        profile.Diagnostics.Count("stacks truncated at the depth limit");
                        truncated = true;
                        break;
                    }
                    _ips[n] = ip;
                    _inKernel[n] = kernel;
                    n++;
                }
            }
            if (n == 0 && !invalid && (s.Attr(file) & SampleFormat.Ip) != 0)
            {
                var kernel = s.CpuMode is PerfConstants.MiscKernel or PerfConstants.MiscGuestKernel;
                // a chain without frames falls back to the sample ip, which is not part of the key then
                cacheable = !hasChain;
                return new CachedStack(profile.Stacks.Push(StackTable.Root, LocationOf(s.Ip, kernel, space, false)), false, false);
            }
            // second pass, root first: the frames this chain shares, from the root, with the last chain computed in
            // this address space keep that chain's stack nodes (consecutive samples of a process share most of their
            // callers); only the rest is looked up and interned.
            var last = space?.LastChain ?? _noSpaceLast;
            last.Reserve(n);
            var stack = StackTable.Root;
            var j = 0;
            for (var same = Math.Min(n, last.Count); j < same; j++)
            {
                var i = n - 1 - j;
                // the leaf (i == 0) is looked up at its own address, callers at address - 1: the flag must match too
                if (last.Ips[j] != _ips[i] || last.Kernel[j] != _inKernel[i] || (i == 0) != (j == last.Count - 1)) break;
                stack = last.Stacks[j];
            }
            for (; j < n; j++)
            {
                var i = n - 1 - j;
                stack = profile.Stacks.Push(stack, LocationOf(_ips[i], _inKernel[i], space, i != 0));
                last.Ips[j] = _ips[i];
                last.Kernel[j] = _inKernel[i];
                last.Stacks[j] = stack;
            }
            last.Count = n;
            return new CachedStack(stack, invalid, truncated);
        }

        private ulong[] _ips = new ulong[128];
        private bool[] _inKernel = new bool[128];
        private readonly LastChain _noSpaceLast = new();

        // perf names the idle task "swapper" (tools/perf/util/machine.c, __machine__findnew_thread for pid 0)
        // and any other thread it saw no COMM for ":<tid>" (util/thread.c thread__comm_str fallback).
        private static string DefaultComm(int tid) => tid == 0 ? "swapper" : FormattableString.Invariant($":{tid}");


        /// <summary>The tracepoint text perf script prints for a RAW sample, as a "trace" label (TRACING_DATA formats).</summary>
        private Label[]? TracepointLabels(SampleRecord s)
        {
            if (s.AttrIndex < 0 || s.AttrIndex >= file.Attrs.Count || file.Attrs[s.AttrIndex].Type != 2) return null; // PERF_TYPE_TRACEPOINT
            var format = file.Tracing?.FindById((long)file.Attrs[s.AttrIndex].Config);
            if (format is null)
            {
                profile.Diagnostics.Count("tracepoints: samples without a format");
                return null;
            }
            return [new Label("trace", format.Render(s.Raw))];
        }

        private ulong DefaultPeriod(int attrIndex) =>
            attrIndex >= 0 && attrIndex < file.Attrs.Count && !file.Attrs[attrIndex].Freq ? file.Attrs[attrIndex].SamplePeriodOrFreq : 1;

        private int LocationOf(ulong ip, bool kernel, AddressSpace? space, bool isReturn)
        {
            var mapping = kernel ? _kernel.Find(ip) : space?.Find(ip) ?? -1;
            // perf resolves kernel addresses outside the announced ranges against the kernel map itself.
            if (mapping < 0 && kernel) mapping = _kernelMapping;
            return profile.InternLocation(mapping, ip, isReturn);
        }


        public void Finish()
        {
            var p = profile;
            var f = file.Features;
            p.Source.Hostname = f.Hostname;
            if (f.Cmdline is { } cmd) p.Source.CommandLine = string.Join(' ', cmd);
            if (f.ClockData is { } cd)
            {
                p.Clock.Reference = ((long)cd.WallClockNs, (long)cd.ClockIdTimeNs);
            }
            p.Clock.Domain = PerfClocks.DomainOf(PerfClocks.ClockIdOf(file));
            foreach (var kv in file.Diagnostics.Counters) p.Diagnostics.Count(kv.Key, kv.Value);
            foreach (var m in file.Diagnostics.Messages) p.Diagnostics.Report("reader", m);
            if (file.Damage is { } d) { p.Damage = d; p.Diagnostics.Report("damage", d.Message); }
            if (file.TracingError is { } te) p.Diagnostics.Report("tracepoints: unreadable TRACING_DATA", te.Message);
            if (p.Events.Count == 0)
                for (var i = 0; i < file.Attrs.Count; i++) EventOf(i);
        }
    }

    private static SampleFormat Attr(this SampleRecord s, PerfDataFile file) =>
        s.AttrIndex >= 0 && s.AttrIndex < file.Attrs.Count ? file.Attrs[s.AttrIndex].SampleType : SampleFormat.Ip | SampleFormat.Time;
}
