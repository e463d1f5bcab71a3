using System.Text.RegularExpressions;

namespace MmOperator.EnvFiles;

/// <summary>One key as the host's tools read it, with the 1-based line it came from.</summary>
public sealed record EnvEntry(string Key, string Value, int Line);

/// <summary>Where a line's key and value are: the value is <c>body[ValueStart..ValueEnd]</c>.</summary>
public readonly record struct EnvLineParts(string Key, string Value, int ValueStart, int ValueEnd);

/// <summary>
/// Reads .env text exactly as the bot's tools do (host contract): skip blank lines, '#' lines and
/// lines without '='; key = text before the first '=' trimmed; value = the rest cut at the first
/// whitespace followed by '#', trimmed; quotes kept; the last copy of a key wins.
/// </summary>
public static partial class HostEnvReader
{
    [GeneratedRegex(@"\s#")]
    private static partial Regex InlineComment();

    // Python's line iteration ends a line at \r\n, \n or a lone \r; so do we.
    [GeneratedRegex("\r\n|\n|\r")]
    private static partial Regex LineBreak();

    /// <summary>The key and value of one line (without its line break), or null for a line the host skips.</summary>
    public static EnvLineParts? ParseLine(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var trimmed = body.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#') || !trimmed.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        var eq = body.IndexOf('=', StringComparison.Ordinal);
        var rest = body[(eq + 1)..];
        var comment = InlineComment().Match(rest);
        var raw = comment.Success ? rest[..comment.Index] : rest;
        var value = raw.Trim();
        var start = eq + 1 + (raw.Length - raw.TrimStart().Length);
        return new EnvLineParts(body[..eq].Trim(), value, start, start + value.Length);
    }

    public static IReadOnlyList<EnvEntry> ReadEntries(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<EnvEntry>();
        var lineNumber = 0;
        foreach (var body in LineBreak().Split(text))
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
