namespace Stackweave.Cli;

/// <summary>A spinner-free progress line on stderr, shown only when stderr is a terminal and the work takes a while.</summary>
internal sealed class Progress : IDisposable
{
    private readonly TextWriter _stderr;
    private readonly string _what;
    private readonly Timer? _timer;
    private readonly DateTime _start = DateTime.UtcNow;
    private volatile bool _shown;

    private Progress(TextWriter stderr, string what, bool enabled)
    {
        _stderr = stderr;
        _what = what;
        if (enabled) _timer = new Timer(Tick, null, 1000, 1000);
    }

    /// <summary>Starts reporting work on <paramref name="what"/> when stderr is the console's terminal.</summary>
    public static Progress Start(TextWriter stderr, string what) =>
        new(stderr, what, ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);

    private void Tick(object? _)
    {
        _shown = true;
        var secs = (DateTime.UtcNow - _start).TotalSeconds;
        lock (_stderr) _stderr.Write(FormattableString.Invariant($"\rreading {_what} … {secs:0}s"));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _timer?.Dispose();
        if (_shown) lock (_stderr) _stderr.Write("\r\u001b[K");
    }
}
