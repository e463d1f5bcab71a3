using System.Text;
using System.Text.RegularExpressions;

namespace MmOperator.EnvFiles;

/// <summary>
/// A .env file as text that keeps every byte it does not change: comments, blank lines, order, other
/// keys' spacing, each line's own line break, and whether the file ends with one. Changes follow the
/// host's tools: an updated line keeps its inline comment, a new key is appended at the end, and every
/// copy of a duplicated key is updated or removed.
/// </summary>
public sealed partial class EnvDocument
{
    private readonly List<(string Body, string Break)> _lines;

    private EnvDocument(List<(string Body, string Break)> lines) => _lines = lines;

    [GeneratedRegex("([^\r\n]*)(\r\n|\n|\r|$)")]
    private static partial Regex Line();

    public static EnvDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<(string, string)>();
        var at = 0;
        while (at < text.Length)
        {
            var match = Line().Match(text, at);
            lines.Add((match.Groups[1].Value, match.Groups[2].Value));
            at += match.Length;
        }

        return new EnvDocument(lines);
    }

    /// <summary>The value the host reads (the last copy), or null when the key is absent.</summary>
    public string? ValueOf(string key) =>
        _lines.Select(l => HostEnvReader.ParseLine(l.Body)).LastOrDefault(p => p?.Key == key)?.Value;

    /// <summary>Sets every copy of the key, or appends it; the document's text after the change.</summary>
    public string Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var lines = new List<(string Body, string Break)>(_lines);
        var found = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (HostEnvReader.ParseLine(lines[i].Body) is { } parts && parts.Key == key)
            {
                var body = lines[i].Body;
                lines[i] = (body[..parts.ValueStart] + value + body[parts.ValueEnd..], lines[i].Break);
                found = true;
            }
        }

        if (!found)
        {
            var endsWithBreak = lines.Count == 0 || lines[^1].Break.Length > 0;
            if (!endsWithBreak)
            {
                lines[^1] = (lines[^1].Body, DominantBreak());
            }

            lines.Add(($"{key}={value}", endsWithBreak ? DominantBreak() : string.Empty));
        }

        return Render(lines);
    }

    /// <summary>Deletes every line of the key, each with its own line break; no other line changes.</summary>
    public string Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Render(_lines.Where(l => HostEnvReader.ParseLine(l.Body)?.Key != key));
    }

    public override string ToString() => Render(_lines);

    /// <summary>The line break most lines use (CRLF files stay CRLF).</summary>
    private string DominantBreak() =>
        _lines.Where(l => l.Break.Length > 0).GroupBy(l => l.Break).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? "\n";

    private static string Render(IEnumerable<(string Body, string Break)> lines)
    {
        var text = new StringBuilder();
        foreach (var (body, lineBreak) in lines)
        {
            text.Append(body).Append(lineBreak);
        }

        return text.ToString();
    }
}
