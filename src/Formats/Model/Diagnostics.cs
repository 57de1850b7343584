namespace Stackweave.Formats.Model;

/// <summary>Counters and the first messages of everything a reader or pass skipped, lost or could not resolve.</summary>
public sealed class Diagnostics
{
    /// <summary>How many messages are kept; counters keep counting past it.</summary>
    public const int MaxMessages = 100;

    private readonly SortedDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly List<string> _messages = [];

    /// <summary>All counters, by name, in ordinal order.</summary>
    public IReadOnlyDictionary<string, long> Counters => _counters;
    /// <summary>The first <see cref="MaxMessages"/> messages.</summary>
    public IReadOnlyList<string> Messages => _messages;

    /// <summary>Adds <paramref name="by"/> to a counter.</summary>
    public void Count(string counter, long by = 1)
    {
        _counters.TryGetValue(counter, out var v);
        _counters[counter] = v + by;
    }

    /// <summary>Value of a counter (0 when never counted).</summary>
    public long Get(string counter) => _counters.TryGetValue(counter, out var v) ? v : 0;

    /// <summary>Counts and keeps a message (with the byte offset it concerns, when known).</summary>
    public void Report(string counter, string message, long? offset = null)
    {
        Count(counter);
        if (_messages.Count < MaxMessages)
            _messages.Add(offset is { } o ? FormattableString.Invariant($"{message} (at byte {o})") : message);
    }
}
