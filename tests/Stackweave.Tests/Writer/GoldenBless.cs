using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>With STACKWEAVE_BLESS=1, rewrites the captures under Writer/Data/ (Data/regen.sh then runs perf on them).</summary>
public class GoldenBless
{
    /// <summary>The source folder of the golden data.</summary>
    public static string DataDir => Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Writer", "Data");

    [Fact]
    public void WritesCapturesWhenBlessing()
    {
        foreach (var name in GoldenCaptures.Names)
        {
            var bytes = PerfDataWriter.Write(GoldenCaptures.Build(name));
            var path = Path.Combine(DataDir, name + ".data");
            if (Environment.GetEnvironmentVariable("STACKWEAVE_BLESS") == "1") File.WriteAllBytes(path, bytes);
            else Assert.True(File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes),
                $"{path} differs from what PerfDataWriter writes now; run tests/Stackweave.Tests/Writer/Data/regen.sh");
        }
    }
}
