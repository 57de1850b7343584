using BenchmarkDotNet.Attributes;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Pprof;

/// <summary>
/// pprof decoding: Stackweave's span decoder (PprofReader, with validation and the model) against Google.Protobuf's
/// generated code (object graph only, no validation, no model), on STACKWEAVE_BENCH_PPROF (default: bench/work/big.pb,
/// made by bench/pprof.sh) or the bundled crafted profile.
/// </summary>
[MemoryDiagnoser]
public class PprofBenchmarks
{
    private byte[] _data = [];

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("STACKWEAVE_BENCH_PPROF");
        if (path is null)
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Toolkit.sln")))
                {
                    path = Path.Combine(d.FullName, "bench", "work", "big.pb");
                    if (!File.Exists(path)) path = Path.Combine(d.FullName, "testdata", "pprof", "cpu.pb");
                    break;
                }
        }
        _data = File.ReadAllBytes(path ?? throw new InvalidOperationException("Toolkit.sln not found"));
    }

    /// <summary>Generated code (Grpc.Tools/protoc): bytes → message objects.</summary>
    [Benchmark(Baseline = true)]
    public int GeneratedCode() => Stackweave.Bench.PprofProto.Profile.Parser.ParseFrom(_data).Sample.Count;

    /// <summary>Stackweave: bytes → validated neutral model (stack prefix tree, interned label sets).</summary>
    [Benchmark]
    public int SpanDecoderToModel() => PprofReader.Decode(_data, "bench.pb").Samples.Count;

    /// <summary>Stackweave: bytes → model → folded text of the default sample type.</summary>
    [Benchmark]
    public long DecodeAndFold()
    {
        var p = PprofReader.Decode(_data, "bench.pb");
        var w = new StringWriter();
        FoldedWriter.Write(p, w, new FoldedOptions { ValueIndex = SampleTypes.DefaultIndex(p), StoredNames = true });
        return w.GetStringBuilder().Length;
    }
}
