namespace Stackweave.Formats.PerfData;

// The ordering queue. A SAMPLE is decoded once when read (to check it and learn its time) and then kept as its raw
// bytes in a chunked arena, not as an object: only (time, sequence, where) entries are sorted, and the sample is
// decoded again when delivered, in batches: on the reading thread into the batch's reused records, except samples with
// user stacks or raw data, which PerfProfileBuilder gets as bytes and decodes on its own thread into one reused object
// (so a batch never holds thousands of stack copies twice). Other kernel records are few and kept decoded.
public sealed partial class PerfDataFile
{
    // A record is at most 65535 bytes (perf_event_header.size is a u16): every chunk holds whole records.
    private const int ChunkSize = 1 << 18;

    /// <summary>A record waiting for its turn: a decoded object (Object ≥ 0) or a SAMPLE's bytes in the arena.</summary>
    private struct Pending
    {
        public int Object;       // index into _objects, -1 for a sample in the arena
        public int Chunk, Pos, Length;
        public long Offset;
        public int Stream;
        public int AttrIndex;
        public bool InCompressed;
    }

    private readonly PriorityQueue<Pending, (ulong Time, long Seq)> _heap = new();
    private readonly Queue<Pending> _ready = new();
    private readonly List<PerfRecord?> _objects = [];
    private readonly Stack<int> _freeObjects = new();
    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _chunkLive = [];
    private readonly Stack<int> _freeChunks = new();
    private int _chunk = -1, _chunkPos = ChunkSize;
    private SampleRecord? _checkSample;

    private Pending StoreObject(PerfRecord r)
    {
        int i;
        if (_freeObjects.Count > 0) { i = _freeObjects.Pop(); _objects[i] = r; }
        else { i = _objects.Count; _objects.Add(r); }
        return new Pending { Object = i };
    }

    private Pending StoreSample(ReadOnlySpan<byte> bytes, SampleRecord checkedSample)
    {
        if (_chunkPos + bytes.Length > ChunkSize)
        {
            if (_chunk >= 0 && _chunkLive[_chunk] == 0) _freeChunks.Push(_chunk);
            if (_freeChunks.Count > 0) _chunk = _freeChunks.Pop();
            else
            {
                _chunk = _chunks.Count;
                _chunks.Add(new byte[ChunkSize]);
                _chunkLive.Add(0);
            }
            _chunkPos = 0;
        }
        bytes.CopyTo(_chunks[_chunk].AsSpan(_chunkPos));
        var p = new Pending
        {
            Object = -1, Chunk = _chunk, Pos = _chunkPos, Length = bytes.Length, Offset = checkedSample.Offset,
            Stream = checkedSample.Stream, AttrIndex = checkedSample.AttrIndex, InCompressed = checkedSample.InCompressed,
        };
        _chunkPos += bytes.Length;
        _chunkLive[_chunk]++;
        return p;
    }

    /// <summary>One record of a chunk delivered: a chunk no record needs any more (and not being filled) is reused.</summary>
    private void ReleaseChunk(int chunk)
    {
        if (--_chunkLive[chunk] == 0 && chunk != _chunk) _freeChunks.Push(chunk);
    }

    /// <summary>Decodes and queues one kernel record (type below 64) in perf's order.</summary>
    private void EnqueueKernel(ReadOnlySpan<byte> rec, long offset, bool inCompressed, int stream)
    {
        var r = ParseKernel(rec, offset, inCompressed, stream, _checkSample ??= new SampleRecord());
        var entry = r is SampleRecord s ? StoreSample(rec, s) : StoreObject(r);
        if (!HasTime(r))
        {
            // perf delivers records without a timestamp at once (perf_session__queue_event returns -ETIME).
            _ready.Enqueue(entry);
            return;
        }
        var t = r.Time;
        if (t > _maxTime) _maxTime = t;
        if (t != 0 && t < _minTime) _minTime = t;
        _heap.Enqueue(entry, (t, _seq++));
    }

    /// <summary>The record of a queued entry, its arena space given back.</summary>
    private PerfRecord Deliver(in Pending p)
    {
        if (p.Object >= 0)
        {
            var r = _objects[p.Object]!;
            _objects[p.Object] = null;
            _freeObjects.Push(p.Object);
            return r;
        }
        var bytes = _chunks[p.Chunk].AsSpan(p.Pos, p.Length);
        var s = DecodeSample(bytes, p.Offset, p.InCompressed, p.Stream, p.AttrIndex, Attrs[p.AttrIndex], new SampleRecord(), reuse: false);
        ReleaseChunk(p.Chunk);
        return s;
    }
}

/// <summary>Records handed from the reading thread to a building thread: decoded, except large SAMPLEs kept as raw bytes.</summary>
internal sealed class PerfRecordBatch
{
    public const int Capacity = 512; // records per batch: 4 batches of decoded samples stay a few MB
    public readonly PerfRecord?[] Objects = new PerfRecord?[Capacity];
    public readonly SampleRecord?[] Decoded = new SampleRecord?[Capacity];
    public readonly (int Pos, int Length, long Offset, int Stream, int AttrIndex, bool InCompressed)[] Samples = new (int, int, long, int, int, bool)[Capacity];
    public byte[] Bytes = []; // grown on demand: only samples with user stacks or raw data travel as bytes
    public int Count, BytesUsed;
    public PerfEventAttr[] Attrs = [];

    public void Clear()
    {
        Array.Clear(Objects, 0, Count);
        Count = 0;
        BytesUsed = 0;
    }
}

public sealed partial class PerfDataFile
{
    private PerfEventAttr[] _attrSnapshot = [];

    /// <summary>Fills <paramref name="batch"/> with the next records in order; false when there are none left.</summary>
    internal bool NextBatch(PerfRecordBatch batch)
    {
        _enumerated = true;
        batch.Clear();
        while (batch.Count < PerfRecordBatch.Capacity)
        {
            if (_ready.Count == 0)
            {
                if (_done) break;
                PumpSafe();
                continue;
            }
            var p = _ready.Dequeue();
            if (p.Object >= 0)
            {
                batch.Objects[batch.Count++] = Deliver(p);
                continue;
            }
            var attr = Attrs[p.AttrIndex];
            if ((attr.SampleType & (SampleFormat.StackUser | SampleFormat.Raw)) == 0)
            {
                // small samples are decoded here, on the reading thread, into the batch's own reused records
                var into = batch.Decoded[batch.Count] ??= new SampleRecord();
                batch.Objects[batch.Count++] = DecodeSample(_chunks[p.Chunk].AsSpan(p.Pos, p.Length), p.Offset, p.InCompressed, p.Stream, p.AttrIndex, attr, into, reuse: true);
                ReleaseChunk(p.Chunk);
                continue;
            }
            // samples with user stacks or raw data (large) stay bytes until the building thread decodes them into one object
            if (batch.BytesUsed + p.Length > batch.Bytes.Length)
                Array.Resize(ref batch.Bytes, Math.Max(Math.Max(batch.Bytes.Length * 2, 1 << 16), batch.BytesUsed + p.Length));
            _chunks[p.Chunk].AsSpan(p.Pos, p.Length).CopyTo(batch.Bytes.AsSpan(batch.BytesUsed));
            batch.Samples[batch.Count++] = (batch.BytesUsed, p.Length, p.Offset, p.Stream, p.AttrIndex, p.InCompressed);
            batch.BytesUsed += p.Length;
            ReleaseChunk(p.Chunk);
        }
        if (_attrSnapshot.Length != Attrs.Count) _attrSnapshot = [.. Attrs];
        batch.Attrs = _attrSnapshot;
        return batch.Count > 0;
    }

    /// <summary>Record i of a batch (any thread): its decoded object, or its SAMPLE decoded into <paramref name="into"/>.</summary>
    internal PerfRecord FromBatch(PerfRecordBatch batch, int i, SampleRecord into)
    {
        if (batch.Objects[i] is { } o) return o;
        var (pos, length, offset, stream, attrIndex, inCompressed) = batch.Samples[i];
        return DecodeSample(batch.Bytes.AsSpan(pos, length), offset, inCompressed, stream, attrIndex, batch.Attrs[attrIndex], into, reuse: true);
    }
}
