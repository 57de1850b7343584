namespace Stackweave.Tests;

/// <summary>Finds the repository root (where Toolkit.sln is) from the test binary's folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Toolkit.sln"))) return d.FullName;
        throw new InvalidOperationException("Toolkit.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string Root => s_root.Value;

    /// <summary>A path under testdata/.</summary>
    public static string TestData(params string[] parts) => Path.Combine([Root, "testdata", .. parts]);
}
