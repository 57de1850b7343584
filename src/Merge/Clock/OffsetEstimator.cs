namespace Stackweave.Merge.Clock;

/// <summary>One event for clock estimation: its time on the source clock and a key naming what and where (thread and event name).</summary>
/// <param name="TimeNs">Timestamp on the source clock, ns.</param>
/// <param name="Key">Events with equal keys can be the same happening seen by two sources (e.g. one tid's write() calls).</param>
public readonly record struct TimedEvent(long TimeNs, long Key);

/// <summary>
/// The result of <see cref="OffsetEstimator.Estimate"/>: reference ≈ other + offset + drift·(other − pivot), with the
/// robust spread of the matched pairs around that line; or why no estimate could be made.
/// </summary>
public sealed record OffsetEstimate(bool Found, long OffsetNs, double Drift, long PivotNs, double ResidualNs, int Matches, string? Reason)
{
    /// <summary>The other clock's time mapped onto the reference clock.</summary>
    public long Map(long otherNs) => otherNs + OffsetNs + (Drift == 0 ? 0 : (long)Math.Round(Drift * (otherNs - PivotNs)));

    internal static OffsetEstimate Fail(string reason) => new(false, 0, 0, 0, 0, 0, reason);
}

/// <summary>Tuning of <see cref="OffsetEstimator"/>; every default is documented.</summary>
public sealed record EstimatorOptions
{
    /// <summary>Fewest matched pairs for an answer (default 5: fewer cannot tell a cluster from chance).</summary>
    public int MinMatches { get; init; } = 5;
    /// <summary>
    /// How many times larger the best cluster of differences must be than the best one elsewhere (default 1.5); it must also
    /// exceed it by 3 standard deviations of a chance count (3·√(second + 1)) and by <see cref="MinMatches"/>.
    /// </summary>
    public double Uniqueness { get; init; } = 1.5;
    /// <summary>Most candidate pairs examined when looking for the offset (default 4,000,000; larger inputs are thinned evenly).</summary>
    public long MaxPairs { get; init; } = 4_000_000;
}

/// <summary>
/// Estimates the offset (and drift, when the spread says so) between two clocks from events both sources saw — e.g. the
/// write() calls of one thread stamped by perf's sys_enter_write tracepoint and by a bpftrace printf of nsecs.
/// Method: every difference between same-key events is a candidate; the offset is the densest narrow cluster of candidates
/// (tried at widths from 256 ns upward, accepted only when clearly denser than any cluster half an event gap away — 1.5× and
/// by 3σ of a chance count — so a
/// periodic stream shifted by one period is refused, not guessed); each event is then matched to its nearest partner
/// under that offset (one to one, within a third of the typical gap, so missing events drop out); the offset is the median
/// difference, drift a Theil–Sen slope kept only when it narrows the spread; the residual is 1.4826 × MAD.
/// </summary>
public static class OffsetEstimator
{
    /// <summary>Finds o (and drift) with reference ≈ other + o; says why not when it cannot.</summary>
    public static OffsetEstimate Estimate(ReadOnlySpan<TimedEvent> reference, ReadOnlySpan<TimedEvent> other, EstimatorOptions? options = null)
    {
        options ??= new EstimatorOptions();
        var a = Group(reference);
        var b = Group(other);
        var keys = new List<long>();
        foreach (var k in b.Keys) if (a.ContainsKey(k)) keys.Add(k);
        keys.Sort();
        if (keys.Count == 0) return OffsetEstimate.Fail("no events in common (no thread and event name both saw)");
        long nb = 0, na = 0;
        foreach (var k in keys) { nb += b[k].Length; na += a[k].Length; }
        if (nb < options.MinMatches || na < options.MinMatches)
            return OffsetEstimate.Fail(FormattableString.Invariant($"too few shared events ({Math.Min(na, nb)}; at least {options.MinMatches} needed)"));

        var gap = TypicalGap(b, keys);
        var diffs = CandidateDiffs(a, b, keys, options.MaxPairs);
        Array.Sort(diffs);
        var coarse = DensestCluster(diffs, gap, options, out var reason);
        if (coarse is not { } o0) return OffsetEstimate.Fail(reason!);

        // Match every event under the coarse offset, fit, and match again under the fit with a tolerance the fit's spread sets.
        var tolerance = Math.Max(gap / 3, 1);
        var fit = new Fit(o0, 0, 0);
        List<(long B, long A)> pairs = [];
        for (var round = 0; round < 3; round++)
        {
            pairs = Match(a, b, keys, fit, tolerance);
            if (pairs.Count < options.MinMatches)
                return OffsetEstimate.Fail(FormattableString.Invariant($"only {pairs.Count} events matched (at least {options.MinMatches} needed)"));
            fit = FitLine(pairs);
            tolerance = Math.Min(tolerance, Math.Max((long)Math.Ceiling(6 * fit.Residual), 1000));
        }
        return new OffsetEstimate(true, fit.Offset, fit.Drift, fit.Pivot, fit.Residual, pairs.Count, null);
    }

    private readonly record struct Fit(long Offset, double Drift, long Pivot, double Residual = 0);

    private static Dictionary<long, long[]> Group(ReadOnlySpan<TimedEvent> events)
    {
        var lists = new Dictionary<long, List<long>>();
        foreach (var e in events)
        {
            if (!lists.TryGetValue(e.Key, out var l)) lists[e.Key] = l = [];
            l.Add(e.TimeNs);
        }
        var r = new Dictionary<long, long[]>(lists.Count);
        foreach (var (k, l) in lists)
        {
            var arr = l.ToArray();
            Array.Sort(arr);
            r[k] = arr;
        }
        return r;
    }

    /// <summary>Median gap between consecutive events of one key (1 s when no key has two events).</summary>
    private static long TypicalGap(Dictionary<long, long[]> b, List<long> keys)
    {
        var gaps = new List<long>();
        foreach (var k in keys)
        {
            var t = b[k];
            for (var i = 1; i < t.Length; i++) if (t[i] > t[i - 1]) gaps.Add(t[i] - t[i - 1]);
        }
        if (gaps.Count == 0) return 1_000_000_000;
        gaps.Sort();
        return Math.Max(gaps[gaps.Count / 2], 2);
    }

    private static long[] CandidateDiffs(Dictionary<long, long[]> a, Dictionary<long, long[]> b, List<long> keys, long maxPairs)
    {
        long total = 0;
        foreach (var k in keys) total += (long)a[k].Length * b[k].Length;
        var f = total <= maxPairs ? 1.0 : (double)maxPairs / total;
        var list = new List<long>((int)Math.Min(total, maxPairs) + 16);
        foreach (var k in keys)
        {
            var ta = a[k];
            var tb = b[k];
            // thin the other stream evenly (never below 8 events of a key, or all of them)
            var take = Math.Min(tb.Length, Math.Max(8, (int)Math.Ceiling(tb.Length * f)));
            for (var s = 0; s < take; s++)
            {
                var bt = tb[(int)((long)s * tb.Length / take)];
                foreach (var at in ta) list.Add(at - bt);
                if (list.Count > maxPairs * 2) break;
            }
        }
        return [.. list];
    }

    private static long? DensestCluster(long[] d, long gap, EstimatorOptions o, out string? reason)
    {
        reason = null;
        var bestSeen = 0;
        // Widths 256 ns, 1 µs, 4 µs … up to half the typical gap between events (a cluster wider than that is no offset).
        for (long w = 256; ; w *= 4)
        {
            var width = Math.Min(w, Math.Max(gap / 2, 1));
            var (count, lo, hi) = Densest(d, width);
            bestSeen = Math.Max(bestSeen, count);
            if (count >= o.MinMatches)
            {
                var center = d[lo] + (d[hi - 1] - d[lo]) / 2;
                var exclusion = Math.Max(gap / 2, width);
                var second = DensestOutside(d, width, center - exclusion, center + exclusion);
                if (count >= o.Uniqueness * second && count - second >= Math.Max(o.MinMatches, 3 * Math.Sqrt(second + 1)))
                    return d[lo + (hi - lo) / 2];
                if (width >= gap / 2)
                {
                    reason = FormattableString.Invariant($"ambiguous: {count} event pairs agree on one offset and {second} on another at least half an event gap away (periodic events?)");
                    return null;
                }
            }
            if (width >= gap / 2) break;
        }
        reason = FormattableString.Invariant($"no offset on which at least {o.MinMatches} event pairs agree (best {bestSeen})");
        return null;
    }

    private static (int Count, int Lo, int Hi) Densest(long[] d, long width)
    {
        int best = 0, bl = 0, bh = 0, j = 0;
        for (var i = 0; i < d.Length; i++)
        {
            if (j < i) j = i;
            while (j < d.Length && d[j] - d[i] <= width) j++;
            if (j - i > best) { best = j - i; bl = i; bh = j; }
        }
        return (best, bl, bh);
    }

    private static int DensestOutside(long[] d, long width, long exLo, long exHi)
    {
        // d is sorted: the excluded range is one run; the runs before and after it are searched apart.
        var lo = Array.BinarySearch(d, exLo);
        if (lo < 0) lo = ~lo;
        while (lo > 0 && d[lo - 1] >= exLo) lo--;
        var hi = lo;
        while (hi < d.Length && d[hi] <= exHi) hi++;
        return Math.Max(Densest(d[..lo], width).Count, Densest(d[hi..], width).Count);
    }

    private static long Predict(Fit f, long b) => b + f.Offset + (f.Drift == 0 ? 0 : (long)Math.Round(f.Drift * (b - f.Pivot)));

    /// <summary>Nearest partner of each other-event under <paramref name="fit"/> within <paramref name="tolerance"/>, one to one.</summary>
    private static List<(long B, long A)> Match(Dictionary<long, long[]> a, Dictionary<long, long[]> b, List<long> keys, Fit fit, long tolerance)
    {
        var pairs = new List<(long, long)>();
        foreach (var k in keys)
        {
            var ta = a[k];
            var tb = b[k];
            var owner = new int[ta.Length];
            var dist = new long[ta.Length];
            Array.Fill(owner, -1);
            for (var i = 0; i < tb.Length; i++)
            {
                var target = Predict(fit, tb[i]);
                var j = Array.BinarySearch(ta, target);
                if (j < 0) j = ~j;
                var bestJ = -1;
                var bestD = long.MaxValue;
                for (var c = j - 1; c <= j; c++)
                {
                    if (c < 0 || c >= ta.Length) continue;
                    var dd = Math.Abs(ta[c] - target);
                    if (dd < bestD) { bestD = dd; bestJ = c; }
                }
                if (bestJ < 0 || bestD > tolerance) continue;
                if (owner[bestJ] < 0 || bestD < dist[bestJ]) { owner[bestJ] = i; dist[bestJ] = bestD; }
            }
            for (var j = 0; j < ta.Length; j++)
                if (owner[j] >= 0) pairs.Add((tb[owner[j]], ta[j]));
        }
        return pairs;
    }

    private static Fit FitLine(List<(long B, long A)> pairs)
    {
        var n = pairs.Count;
        var bs = new long[n];
        for (var i = 0; i < n; i++) bs[i] = pairs[i].B;
        Array.Sort(bs);
        var pivot = bs[n / 2];
        var r = new long[n];
        for (var i = 0; i < n; i++) r[i] = pairs[i].A - pairs[i].B;
        var offset = Median(r);
        var constSpread = Spread(pairs, new Fit(offset, 0, pivot));

        // Theil–Sen slope of (a − b) against b over at most 400 evenly chosen pairs (≤ 80,000 slopes).
        var sorted = pairs.OrderBy(p => p.B).ToArray();
        var m = Math.Min(n, 400);
        var slopes = new List<double>(m * (m - 1) / 2);
        for (var i = 0; i < m; i++)
        {
            var pi = sorted[(int)((long)i * n / m)];
            for (var j = i + 1; j < m; j++)
            {
                var pj = sorted[(int)((long)j * n / m)];
                if (pj.B == pi.B) continue;
                slopes.Add((double)((pj.A - pj.B) - (pi.A - pi.B)) / (pj.B - pi.B));
            }
        }
        if (slopes.Count > 0 && n >= 8)
        {
            slopes.Sort();
            var drift = slopes[slopes.Count / 2];
            var rd = new long[n];
            for (var i = 0; i < n; i++) rd[i] = pairs[i].A - pairs[i].B - (long)Math.Round(drift * (pairs[i].B - pivot));
            var driftFit = new Fit(Median(rd), drift, pivot);
            var driftSpread = Spread(pairs, driftFit);
            var span = bs[n - 1] - bs[0];
            // Keep the drift only when it narrows the spread clearly and moves the line by more than the spread over the span.
            if (driftSpread < 0.8 * constSpread && Math.Abs(drift) * span > 3 * driftSpread)
                return driftFit with { Residual = driftSpread };
        }
        return new Fit(offset, 0, pivot, constSpread);
    }

    /// <summary>1.4826 × median absolute deviation of the pairs around the fit (σ for normal noise).</summary>
    private static double Spread(List<(long B, long A)> pairs, Fit f)
    {
        var dev = new long[pairs.Count];
        for (var i = 0; i < dev.Length; i++) dev[i] = Math.Abs(pairs[i].A - Predict(f, pairs[i].B));
        return 1.4826 * Median(dev);
    }

    private static long Median(long[] v)
    {
        var c = (long[])v.Clone();
        Array.Sort(c);
        var n = c.Length;
        return n % 2 == 1 ? c[n / 2] : c[n / 2 - 1] + (c[n / 2] - c[n / 2 - 1]) / 2;
    }
}
