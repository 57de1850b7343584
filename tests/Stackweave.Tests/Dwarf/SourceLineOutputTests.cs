using System.Text.Json;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Dwarf;

/// <summary>CSV functions and speedscope frames carry the DWARF declaration file and line of the program's functions.</summary>
public sealed class SourceLineOutputTests
{
    private const string RecordedProg = "/work/wt-dwarf/testdata/dwarf/prog/";

    private static string Run(params string[] args)
    {
        var r = CliRunner.Run(["convert", DwarfData.Capture("inl", "perf.data"), "--kallsyms", RepoPaths.TestData("system-wide", "kallsyms.gz"), .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    /// <summary>The source line <paramref name="line"/> of a recorded program file names the function (its last name component).</summary>
    private static void AssertDeclares(string function, string file, int line)
    {
        Assert.StartsWith(RecordedProg, file, StringComparison.Ordinal);
        var text = File.ReadAllLines(RepoPaths.TestData("dwarf", "prog", file[RecordedProg.Length..]))[line - 1];
        var name = function.Split('(')[0];
        name = name[(name.LastIndexOf("::", StringComparison.Ordinal) + 1)..].TrimStart(':');
        var lt = name.IndexOf('<', StringComparison.Ordinal);
        if (lt > 0) name = name[..lt];
        Assert.True(text.Contains(name + "(", StringComparison.Ordinal) || text.Contains(name + " ", StringComparison.Ordinal) || text.Contains("struct " + name, StringComparison.Ordinal),
            $"{file}:{line} does not declare {function}: {text}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CsvFunctionsHaveDeclarationFileAndLine(bool inline)
    {
        var csv = Run(["--csv", "functions", .. (inline ? (string[])["--inline"] : [])]);
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var checkedRows = 0;
        foreach (var row in rows)
        {
            // function,module,file,line,...: the function may be quoted (it holds ", ")
            var fields = row.StartsWith('"') ? [row[1..row.IndexOf("\",", 1, StringComparison.Ordinal)], .. row[(row.IndexOf("\",", 1, StringComparison.Ordinal) + 2)..].Split(',')] : row.Split(',');
            if (fields[1] != "/work/wt-dwarf/testdata/dwarf/bin/inl") continue;
            Assert.NotEqual("", fields[2]);
            AssertDeclares(fields[0], fields[2], int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
            checkedRows++;
        }
        Assert.True(checkedRows >= (inline ? 5 : 2), csv);
        if (inline) Assert.Contains("mathx::step(unsigned long),/work/wt-dwarf/testdata/dwarf/bin/inl," + RecordedProg + "mathx.h,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void SpeedscopeFramesHaveFileAndLine()
    {
        using var doc = JsonDocument.Parse(Run("--format", "speedscope", "--inline"));
        var withFile = 0;
        foreach (var f in doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray())
        {
            if (!f.TryGetProperty("file", out var file) || !file.GetString()!.StartsWith(RecordedProg, StringComparison.Ordinal)) continue;
            // addr2line names now_ms() inlined into main "main" (binutils 2.40 takes the ELF symbol for an innermost function
            // without a linkage name); its declaration is still now_ms's.
            if (f.GetProperty("name").GetString() == "main" && f.GetProperty("line").GetInt32() == 11) { withFile++; continue; }
            AssertDeclares(f.GetProperty("name").GetString()!, file.GetString()!, f.GetProperty("line").GetInt32());
            withFile++;
        }
        Assert.True(withFile >= 5, "frames with a file of the program: " + withFile);
    }
}
