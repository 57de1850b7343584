using System.IO.Compression;
using System.Text;
using Stackweave.Merge.Symbols.Demangle;
using Xunit.Abstractions;

namespace Stackweave.Tests.Demangle;

/// <summary>Full style against c++filt (binutils 2.40) on the committed corpus (see Data/README.md).</summary>
public class CorpusTests
{
    private readonly ITestOutputHelper _out;

    public CorpusTests(ITestOutputHelper output) => _out = output;

    internal static string DataPath(string name) =>
        Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Demangle", "Data", name);

    internal static List<(string Mangled, string Expected)> ReadTsvGz(string name)
    {
        var list = new List<(string, string)>();
        using var fs = File.OpenRead(DataPath(name));
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            Assert.True(tab > 0, "corpus line without a tab: " + line);
            list.Add((line[..tab], line[(tab + 1)..]));
        }

        return list;
    }

    /// <summary>c++filt prints the input unchanged when it cannot demangle it; Demangle returns null then.</summary>
    internal static string Render(string mangled, DemangleStyle style) => Demangler.Demangle(mangled, style) ?? mangled;

    private void CheckCorpus(string file, int minimum, HashSet<string> known)
    {
        var corpus = ReadTsvGz(file);
        Assert.True(corpus.Count >= minimum, "corpus too small: " + corpus.Count);
        var failures = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (mangled, expected) in corpus)
        {
            string got = Render(mangled, DemangleStyle.Full);
            if (!string.Equals(got, expected, StringComparison.Ordinal))
            {
                failures.Add(mangled);
                if (failures.Count <= 40)
                {
                    _out.WriteLine(mangled + "\n  want: " + expected + "\n  got:  " + got);
                }
            }
        }

        _out.WriteLine($"{corpus.Count - failures.Count}/{corpus.Count} match");

        // Exactly the known failures: a new failure, or a fixed one not removed from the list, fails the test.
        Assert.Equal(known.OrderBy(x => x, StringComparer.Ordinal), failures.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void Full_matches_cxxfilt_on_cxx_library_corpus() => CheckCorpus("corpus.tsv.gz", 5000, KnownFailures.Cxx);

    [Fact]
    public void Full_matches_cxxfilt_on_node_dynsym() => CheckCorpus("node-dynsym.tsv.gz", 5000, KnownFailures.Node);

    [Fact]
    public void Full_matches_cxxfilt_on_rust_corpus() => CheckCorpus("rust-corpus.tsv.gz", 600, KnownFailures.Rust);
}

/// <summary>Names whose Full rendering is known to differ from c++filt (kept explicit so the rate cannot regress).</summary>
internal static class KnownFailures
{
    public static readonly HashSet<string> Cxx = new(StringComparer.Ordinal)
    {
    };

    public static readonly HashSet<string> Node = new(StringComparer.Ordinal)
    {
    };

    public static readonly HashSet<string> Rust = new(StringComparer.Ordinal)
    {
    };
}
