using FsCheck;
using FsCheck.Fluent;
using Stackweave.Merge.Clock;

namespace Stackweave.Tests.Clock;

/// <summary>Issue 9 check 6: synthetic pairs of event streams with a known offset, drift, jitter and missing events.</summary>
public class EstimatorPropertyTests
{
    /// <summary>One generated case: the true map is other → other + Offset + Drift·(other − Start) + noise in [−Jitter, Jitter].</summary>
    public sealed record Scenario(int Seed, int Events, int Threads, long Offset, double Drift, long Jitter, double MissA, double MissB)
    {
        public override string ToString() => FormattableString.Invariant(
            $"seed {Seed}, {Events} events × {Threads} threads, offset {Offset}, drift {Drift * 1e6:0.###} ppm, jitter ±{Jitter}, missing {MissA:0.00}/{MissB:0.00}");
    }

    /// <summary>Shortest gap between two events of a thread: intervals are uniform in [Gap, 3·Gap) (1 ms).</summary>
    private const long Gap = 1_000_000;
    private const long Start = 5_000_000_000_000;

    public static Arbitrary<Scenario> Scenarios() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from events in Gen.Choose(20, 400)
         from threads in Gen.Choose(1, 3)
         from offset in Gen.Choose(-1_000_000, 1_000_000).Select(x => (long)x * 1_000_003L) // ±1000 s
         from ppm in Gen.Choose(-200, 200)
         from jitter in Gen.Choose(0, (int)(Gap / 10))
         from missA in Gen.Choose(0, 30)
         from missB in Gen.Choose(0, 30)
         select new Scenario(seed, events, threads, offset, ppm * 1e-6, jitter, missA / 100.0, missB / 100.0)).ToArbitrary();

    /// <summary>(reference, other) streams of a scenario; <paramref name="periodic"/> gives every event the same interval.</summary>
    internal static (TimedEvent[] A, TimedEvent[] B) Streams(Scenario s, bool periodic = false)
    {
        var rng = new Random(s.Seed);
        var a = new List<TimedEvent>();
        var b = new List<TimedEvent>();
        for (var tid = 1; tid <= s.Threads; tid++)
        {
            var t = Start + rng.NextInt64(Gap);
            for (var i = 0; i < s.Events; i++)
            {
                t += periodic ? 2 * Gap : Gap + rng.NextInt64(2 * Gap);
                var noise = s.Jitter == 0 ? 0 : rng.NextInt64(-s.Jitter, s.Jitter + 1);
                var inA = rng.NextDouble() >= s.MissA;
                var inB = rng.NextDouble() >= s.MissB;
                if (inB) b.Add(new TimedEvent(t, tid));
                if (inA) a.Add(new TimedEvent(True(s, t) + noise, tid));
            }
        }
        return ([.. a], [.. b]);
    }

    private static long True(Scenario s, long other) => other + s.Offset + (long)Math.Round(s.Drift * (other - Start));

    [FsCheck.Xunit.Property(Arbitrary = [typeof(EstimatorPropertyTests)], MaxTest = 100)]
    public void Recovers_the_offset_within_the_jitter_bound_or_says_it_cannot(Scenario s)
    {
        var (a, b) = Streams(s);
        var e = OffsetEstimator.Estimate(a, b);
        // With few shared events a chance cluster can rival the true one: the estimator may then say it cannot (never guess);
        // with 60 or more expected shared events it must find the offset.
        var shared = s.Events * s.Threads * (1 - s.MissA) * (1 - s.MissB);
        if (!e.Found)
        {
            Assert.True(shared < 60, s + ": " + e.Reason);
            Assert.False(string.IsNullOrEmpty(e.Reason));
            return;
        }
        // at the pivot (the middle of the matched events) the map is off by no more than the jitter (+1 ns of rounding)
        var err = e.Map(e.PivotNs) - True(s, e.PivotNs);
        Assert.True(Math.Abs(err) <= s.Jitter + 1, FormattableString.Invariant($"{s}: off by {err} ns at the pivot"));
        // and over the whole span by no more than 3× the jitter (a drift estimated from noisy pairs tilts the line a little)
        foreach (var x in b)
        {
            var d = e.Map(x.TimeNs) - True(s, x.TimeNs);
            Assert.True(Math.Abs(d) <= 3 * s.Jitter + 2, FormattableString.Invariant($"{s}: off by {d} ns at {x.TimeNs}"));
        }
        Assert.True(e.Matches >= 5);
        Assert.True(e.ResidualNs <= s.Jitter * 1.5 + 1, FormattableString.Invariant($"{s}: residual {e.ResidualNs}"));
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(EstimatorPropertyTests)], MaxTest = 100)]
    public void Periodic_streams_are_refused_or_placed_right_never_shifted_by_a_period(Scenario s)
    {
        var (a, b) = Streams(s with { Drift = 0 }, periodic: true);
        var e = OffsetEstimator.Estimate(a, b);
        if (!e.Found) { Assert.False(string.IsNullOrEmpty(e.Reason)); return; }
        Assert.True(Math.Abs(e.Map(e.PivotNs) - True(s with { Drift = 0 }, e.PivotNs)) <= s.Jitter + 1, s + ": placed on a wrong period");
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(EstimatorPropertyTests)], MaxTest = 100)]
    public void Too_few_or_no_shared_events_say_so(Scenario s)
    {
        var (a, b) = Streams(s with { Events = 4, Threads = 1, MissA = 0, MissB = 0 });
        var few = OffsetEstimator.Estimate(a, b);
        Assert.False(few.Found);
        Assert.Contains("too few", few.Reason, StringComparison.Ordinal);
        var (a2, b2) = Streams(s);
        var other = b2.Select(x => x with { Key = x.Key + 100 }).ToArray();
        var none = OffsetEstimator.Estimate(a2, other);
        Assert.False(none.Found);
        Assert.Contains("no events in common", none.Reason, StringComparison.Ordinal);
    }
}
