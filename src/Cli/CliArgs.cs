using System.Globalization;

namespace Stackweave.Cli;

/// <summary>Thrown for a command line that does not fit the contract (exit code 1).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A parsed command line: the command, positional inputs, flags and valued options.</summary>
public sealed class CliArgs
{
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    /// <summary>The command word (convert, info, script).</summary>
    public string Command { get; private set; } = "";
    /// <summary>Positional arguments.</summary>
    public List<string> Inputs { get; } = [];

    /// <summary>Parses <paramref name="args"/> given which options are flags and which take a value.</summary>
    public static CliArgs Parse(string[] args, ISet<string> flags, ISet<string> valued, IReadOnlyDictionary<string, string>? aliases = null)
    {
        var r = new CliArgs();
        if (args.Length == 0) throw new UsageException("missing command (convert, info, script)");
        r.Command = args[0];
        var onlyPositional = false;
        for (var i = 1; i < args.Length; i++)
        {
            var a = args[i];
            if (onlyPositional || a == "-" || !a.StartsWith('-')) { r.Inputs.Add(a); continue; }
            if (a == "--") { onlyPositional = true; continue; }
            var name = a;
            string? value = null;
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
            if (aliases is not null && aliases.TryGetValue(name, out var canonical)) name = canonical;
            if (flags.Contains(name))
            {
                if (value is not null) throw new UsageException($"option {name} takes no value");
                r._flags.Add(name);
            }
            else if (valued.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Length) throw new UsageException($"option {name} needs a value");
                    value = args[++i];
                }
                if (!r._values.TryGetValue(name, out var list)) r._values[name] = list = [];
                list.Add(value);
            }
            else throw new UsageException($"unknown option {a} for '{r.Command}'");
        }
        return r;
    }

    /// <summary>True when the flag was given.</summary>
    public bool Has(string flag) => _flags.Contains(flag);
    /// <summary>The last value of an option, or null.</summary>
    public string? Value(string option) => _values.TryGetValue(option, out var l) ? l[^1] : null;
    /// <summary>Every value of a repeatable option.</summary>
    public IReadOnlyList<string> Values(string option) => _values.TryGetValue(option, out var l) ? l : [];

    /// <summary>An integer option, or <paramref name="fallback"/>.</summary>
    public long Int(string option, long fallback)
    {
        var v = Value(option);
        if (v is null) return fallback;
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"option {option} needs a whole number, not '{v}'");
    }
}
