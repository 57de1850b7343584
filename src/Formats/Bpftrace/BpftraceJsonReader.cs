using System.Text.Json;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>
/// Reads bpftrace's <c>-f json</c> output (bpftrace 0.17 JsonOutput, src/output.cpp): one object per line,
/// <c>{"type": T, "data": D}</c> with T one of attached_probes, map, value, hist (hist and lhist), stats (stats and avg),
/// printf, time, cat, join, syscall, lost_events, helper_error; unknown types are counted and skipped. Map keys are
/// the text output's key elements joined by ",", stacks included; histogram buckets are closed intervals.
/// </summary>
public static class BpftraceJsonReader
{
    /// <summary>Reads a whole JSON-lines capture into a profile.</summary>
    public static Profile Read(Stream input, string path, ReadOptions options)
    {
        var b = new BpftraceProfileBuilder(path, options);
        try
        {
            var r = new LineReader(input, path, options.Limits.MaxLineBytes);
            while (r.Next(out var offset, out var newline) is { } line)
            {
                if (line.Length == 0 || line.AsSpan().Trim(' ').Length == 0) continue;
                ReadLine(line, offset, newline, path, b);
            }
        }
        catch (CaptureFormatException e) when (options.Salvage)
        {
            b.Profile.Damage = e;
        }
        return b.Build();
    }

    private static readonly JsonDocumentOptions s_json = new() { MaxDepth = 16 };

    private static void ReadLine(string line, long offset, bool newline, string path, BpftraceProfileBuilder b)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line, s_json); }
        catch (JsonException e)
        {
            var at = e.BytePositionInLine is { } p ? offset + p : offset;
            throw new CaptureFormatException(path, at, newline ? "one JSON object per line (" + e.Message + ")" : "a whole JSON object, not one cut short by the end of the input", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
                throw new CaptureFormatException(path, offset, "a JSON object with a string \"type\"");
            var type = typeEl.GetString()!;
            root.TryGetProperty("data", out var data);
            switch (type)
            {
                case "attached_probes":
                    b.Profile.Diagnostics.Count(BpftraceProfileBuilder.ProbesCounter, Int(data, "probes", path, offset));
                    break;
                case "lost_events":
                {
                    var n = Int(data, "events", path, offset);
                    b.Profile.Diagnostics.Report(BpftraceProfileBuilder.LostCounter, FormattableString.Invariant($"bpftrace lost {n} events"), offset);
                    b.Profile.Diagnostics.Count(BpftraceProfileBuilder.LostCounter, n - 1);
                    break;
                }
                case "printf":
                    if (data.ValueKind != JsonValueKind.String) throw new CaptureFormatException(path, offset, "a string \"data\" in a printf object");
                    // one printf call may print several lines
                    foreach (var l in data.GetString()!.Split('\n'))
                        if (l.Length > 0) b.Line(l, offset);
                    break;
                case "time":
                    b.Time(data.ValueKind == JsonValueKind.String ? data.GetString()! : "");
                    break;
                case "map" or "hist" or "stats":
                    Maps(type, data, path, offset, b);
                    break;
                case "value" or "cat" or "join" or "syscall" or "helper_error":
                    b.Profile.Diagnostics.Count(BpftraceProfileBuilder.OtherCounter);
                    if (type == "join" && data.ValueKind == JsonValueKind.String) b.Line(data.GetString()!, offset);
                    break;
                default:
                    b.Profile.Diagnostics.Report(BpftraceProfileBuilder.UnknownTypeCounter, "unknown bpftrace JSON type '" + type + "'", offset);
                    break;
            }
        }
    }

    private static long Int(JsonElement data, string field, string path, long offset)
    {
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty(field, out var v) && Number(v, out var n)) return n;
        throw new CaptureFormatException(path, offset, $"a \"data\" object with an integer \"{field}\"");
    }

    /// <summary>An integer as bpftrace prints it: a JSON number (unsigned 64-bit ones saturate), or a string of digits.</summary>
    private static bool Number(JsonElement v, out long n)
    {
        n = 0;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                if (v.TryGetInt64(out n)) return true;
                if (v.TryGetUInt64(out _)) { n = long.MaxValue; return true; }
                return false;
            case JsonValueKind.String:
                return BpftraceSyntax.TryInteger(v.GetString(), out n);
            default:
                return false;
        }
    }

    private static void Maps(string type, JsonElement data, string path, long offset, BpftraceProfileBuilder b)
    {
        if (data.ValueKind != JsonValueKind.Object) throw new CaptureFormatException(path, offset, $"a \"data\" object in a {type} object");
        foreach (var map in data.EnumerateObject())
        {
            var name = map.Name;
            var v = map.Value;
            // A map without keys holds its value directly; a keyed map is an object of key → value. A stats value is itself an
            // object ({"count", "average", "total"}), so a keyless stats map is told apart by those fields.
            var keyed = v.ValueKind == JsonValueKind.Object && !(type == "stats" && IsStatsObject(v));
            if (!keyed) { Value(type, name, [], v, path, offset, b); continue; }
            foreach (var kv in v.EnumerateObject())
            {
                var keys = BpftraceSyntax.SplitKey(kv.Name, ",", b) ?? throw new CaptureFormatException(path, offset, $"a key of {name} made of values and stacks");
                Value(type, name, keys, kv.Value, path, offset, b);
            }
        }
    }

    private static bool IsStatsObject(JsonElement v) => v.TryGetProperty("count", out _) && v.TryGetProperty("total", out _);

    private static void Value(string type, string map, List<BpftraceKey> keys, JsonElement v, string path, long offset, BpftraceProfileBuilder b)
    {
        if (type == "hist")
        {
            if (v.ValueKind != JsonValueKind.Array) throw new CaptureFormatException(path, offset, $"an array of buckets for {map}");
            var buckets = new List<HistogramBucket>(Math.Min(v.GetArrayLength(), 4096));
            foreach (var e in v.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("count", out var c) || !Number(c, out var count))
                    throw new CaptureFormatException(path, offset, $"a bucket {{min, max, count}} in {map}");
                long? lo = null, hi = null;
                if (e.TryGetProperty("min", out var mn)) lo = Number(mn, out var x) ? x : throw new CaptureFormatException(path, offset, $"an integer bucket min in {map}");
                // JSON buckets are closed [min, max]; the model's are half-open [lo, hi)
                if (e.TryGetProperty("max", out var mx)) hi = Number(mx, out var y) && y < long.MaxValue ? y + 1 : throw new CaptureFormatException(path, offset, $"an integer bucket max in {map}");
                buckets.Add(new HistogramBucket(lo, hi, count));
            }
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Histogram, Buckets = buckets, Offset = offset });
            return;
        }
        if (v.ValueKind == JsonValueKind.Object && IsStatsObject(v))
        {
            if (!Number(v.GetProperty("count"), out var count) || !Number(v.GetProperty("total"), out var total)
                || !v.TryGetProperty("average", out var a) || !Number(a, out var avg))
                throw new CaptureFormatException(path, offset, $"integer count, average and total in {map}");
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Stats, Value = total, Stats = (count, avg), Offset = offset });
            return;
        }
        if (Number(v, out var n) && v.ValueKind == JsonValueKind.Number)
        {
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Integer, Value = n, Offset = offset });
            return;
        }
        var text = v.ValueKind == JsonValueKind.String ? StackValueText(v.GetString()!) : v.GetRawText();
        b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Text, Text = text, Offset = offset });
    }

    /// <summary>A string value; a stack value ("\n    frame\n…") is shown as its frames joined by ";", as the text reader keeps it.</summary>
    private static string StackValueText(string s)
    {
        if (s.Length == 0 || s[0] != '\n') return s;
        var parts = s.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++) parts[i] = parts[i].Trim();
        return string.Join(';', parts);
    }
}
