using System.Text;

namespace MmOperator.Reporting;

/// <summary>
/// Text laid out for the views at 80 columns. PowerShell breaks a line that is too long at the column
/// edge, inside a word: a pid split across two lines is read wrong by someone about to type kill. Here a
/// line breaks only at spaces, so a pid, an id or a command stays whole; only a word longer than a whole
/// line (a long path) is broken, where it must be.
/// </summary>
public static class TextLayout
{
    /// <summary>The width of the views: 80 columns less one, as a terminal that wraps at its last column would add a blank line.</summary>
    public const int Width = 79;

    /// <summary>The text laid out at <see cref="Width"/>.</summary>
    public static string Wrap(string? text) => Wrap(text, Width);

    /// <summary>
    /// Each line of <paramref name="text"/> broken at spaces into lines of at most <paramref name="width"/>
    /// characters; the lines a long one is broken into continue under its text, past its "- " or indent.
    /// </summary>
    public static string Wrap(string? text, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 8);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var laid = new StringBuilder();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (laid.Length > 0)
            {
                laid.Append('\n');
            }

            WrapLine(laid, line.TrimEnd(), width);
        }

        return laid.ToString();
    }

    private static void WrapLine(StringBuilder laid, string line, int width)
    {
        var hanging = new string(' ', Math.Min(HangingIndent(line), width / 2));
        var rest = line;
        var prefix = string.Empty;
        while (prefix.Length + rest.Length > width)
        {
            var room = width - prefix.Length;
            var space = rest.LastIndexOf(' ', room);
            // No space in reach (or only the indent's): the first word is longer than the line, and breaks at its edge.
            var cut = space > rest.Length - rest.TrimStart().Length ? space : room;
            laid.Append(prefix).Append(rest.AsSpan(0, cut).TrimEnd()).Append('\n');
            rest = rest[cut..].TrimStart();
            prefix = hanging;
        }

        laid.Append(prefix).Append(rest);
    }

    /// <summary>Where a line's text starts: after its leading spaces and a list's "- ".</summary>
    private static int HangingIndent(string line)
    {
        var indent = line.Length - line.TrimStart(' ').Length;
        return line.AsSpan(indent).StartsWith("- ", StringComparison.Ordinal) ? indent + 2 : indent;
    }
}
