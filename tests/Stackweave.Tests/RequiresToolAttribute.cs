namespace Stackweave.Tests;

/// <summary>A fact that needs an external tool (e.g. perf): it is skipped, never passed, where the tool is missing.</summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless <paramref name="path"/> exists.</summary>
    public RequiresToolFactAttribute(string path)
    {
        if (!File.Exists(path)) Skip = path + " is not installed (.ci/run installs it; apt-get install linux-perf)";
    }
}
