using System.Text.RegularExpressions;
using MmOperator.IO;

namespace MmOperator.EnvFiles;

/// <summary>One key as the host's tools read it, with the 1-based line it came from.</summary>
public sealed record EnvEntry(string Key, string Value, int Line);

/// <summary>Where a line's key and value are: the value is <c>body[ValueStart..ValueEnd]</c>.</summary>
public readonly record struct EnvLineParts(string Key, string Value, int ValueStart, int ValueEnd);

/// <summary>
/// Reads .env text exactly as the bot's tools do (host contract, audit_common.parse_env over
/// <c>read_text().splitlines()</c>): lines end wherever Python's str.splitlines ends them (U+2028, NEL,
/// \v, \f and \x1c-\x1e too); skip blank lines, '#' lines and lines without '='; key = text before the
/// first '=' stripped; value = the rest cut at the first whitespace followed by '#', stripped; quotes
/// kept; the last copy of a key wins. "Whitespace" and "strip" are Python's (<see cref="PythonText"/>),
/// so a byte-order mark stays part of the first key, as it does for the host.
/// </summary>
public static partial class HostEnvReader
{
    // re's \s in a str pattern: every character str.isspace() is true for.
    [GeneratedRegex("[" + PythonText.Whitespace + "]#")]
    private static partial Regex InlineComment();

    /// <summary>The key and value of one line (without its line break), or null for a line the host skips.</summary>
    public static EnvLineParts? ParseLine(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var trimmed = PythonText.Strip(body);
        if (trimmed.Length == 0 || trimmed.StartsWith('#') || !trimmed.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        var eq = body.IndexOf('=', StringComparison.Ordinal);
        var rest = body[(eq + 1)..];
        var comment = InlineComment().Match(rest);
        var raw = comment.Success ? rest[..comment.Index] : rest;
        var value = PythonText.Strip(raw);
        var start = eq + 1 + (raw.Length - PythonText.StripStart(raw).Length);
        return new EnvLineParts(PythonText.Strip(body[..eq]), value, start, start + value.Length);
    }

    public static IReadOnlyList<EnvEntry> ReadEntries(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<EnvEntry>();
        var lineNumber = 0;
        foreach (var body in PythonText.SplitLines(text))
        {
            lineNumber++;
            if (ParseLine(body) is { } parts)
            {
                entries.Add(new EnvEntry(parts.Key, parts.Value, lineNumber));
            }
        }

        return entries;
    }

    /// <summary>Key to value, the last copy winning, as the host reads the file.</summary>
    public static IReadOnlyDictionary<string, string> ReadValues(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ReadEntries(text))
        {
            values[entry.Key] = entry.Value;
        }

        return values;
    }
}
