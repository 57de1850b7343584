using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pictures;

/// <summary>
/// The HTML page's axis: perf.data (CLOCK_DATA), pprof (wall-clock window) and bpftrace (placed by estimation from the shared
/// write syscalls) of one run all sit on UTC, and the page shows how each source was placed; a single input without a
/// wall-clock reference stays on its own clock.
/// </summary>
public sealed class HtmlTimelineAxisTests
{
    [Fact]
    public void Aligned_sources_share_the_utc_axis_and_show_how_they_were_placed()
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData("clock", "perf.data"), RepoPaths.TestData("clock", "cpu.pb.gz"),
            RepoPaths.TestData("clock", "bpftrace.txt"), "--format", "html"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        // the absolute start as a UTC date: the run the capture was recorded in (2026-11-25, testdata/clock/clockprobe.stdout)
        Assert.Contains("2026-11-25T", r.Stdout);
        Assert.Contains("(UTC)", r.Stdout);
        Assert.Contains("CLOCK_DATA", r.Stdout);
        Assert.Contains("estimated from", r.Stdout);
        Assert.DoesNotContain("own clock", r.Stdout);
    }

    [Fact]
    public void A_source_without_wall_clock_reference_keeps_its_own_clock()
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData("go-fp", "perf.data"), "--format", "html"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("own clock", r.Stdout);
        Assert.DoesNotContain("(UTC)", r.Stdout);
    }
}
