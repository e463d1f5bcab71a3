using System.Text.RegularExpressions;

namespace MmOperator.EnvFiles;

/// <summary>One key as the host's tools read it, with the 1-based line it came from.</summary>
public sealed record EnvEntry(string Key, string Value, int Line);

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

    public static IReadOnlyList<EnvEntry> ReadEntries(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<EnvEntry>();
        var lineNumber = 0;
        foreach (var body in LineBreak().Split(text))
        {
            lineNumber++;
            var trimmed = body.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#') || !trimmed.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var rest = body[(eq + 1)..];
            var comment = InlineComment().Match(rest);
            var value = (comment.Success ? rest[..comment.Index] : rest).Trim();
            entries.Add(new EnvEntry(body[..eq].Trim(), value, lineNumber));
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
