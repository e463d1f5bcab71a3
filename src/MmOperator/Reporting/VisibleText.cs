using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MmOperator.Reporting;

/// <summary>
/// How text from outside the module (a caller's arguments, the session's environment, the host's files
/// and output) is shown to a person, so that it can neither hide text nor forge a line of a Plan or a
/// prompt: every character that is invisible or steers the terminal is written as <c>\u{HEX}</c>, its
/// code point in upper-case hex (PowerShell's own <c>`u{…}</c> digits): <c>\u{0A}</c> for a line feed,
/// <c>\u{1B}</c> for ESC, <c>\u{202E}</c> for a right-to-left override.
/// <para>
/// Escaped: C0 controls (line breaks and tabs too), DEL, C1 controls, format characters (bidirectional
/// marks, embeddings, overrides and isolates, zero-width characters, the BOM, tags), line and paragraph
/// separators, lone surrogates, the other default-ignorable code points (variation selectors, Hangul
/// fillers) and unassigned code points (which a newer terminal may treat as any of these).
/// </para>
/// <para>
/// Unambiguous: a backslash is doubled exactly where it could be read as part of an escape (before
/// <c>u{</c>, before another backslash, before an escaped character), so <c>\u{1B}</c> always stands
/// for a real ESC, typed text never looks like one, and ordinary backslashes (<c>a\b</c>) stay as typed.
/// So escaping is not idempotent: a value is escaped once, where it enters a text a person reads.
/// </para>
/// <para>
/// Nothing is cut, except where a message quotes input and names its limit (<see cref="Quote"/>,
/// <see cref="QuoteName"/>): then it says how many characters it leaves out.
/// </para>
/// </summary>
public static class VisibleText
{
    /// <summary>Default-ignorable code points that are not format characters: invisible all the same.</summary>
    private static readonly (int First, int Last)[] IgnorableRanges =
    [
        (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2060, 0x206F),
        (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF),
    ];

    /// <summary>The whole value with every invisible character escaped: what a person approves is never cut.</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Of(string? value) => value is null ? null : Escape(value, 0, value.Length, Mode.Value);

    /// <summary>
    /// A value quoted inside a message: escaped as <see cref="Of"/>, at most its first
    /// <paramref name="limit"/> characters, then how many more there are, "... (N more characters)".
    /// A caller passes the longest valid input, so any input that could be valid is quoted whole.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Quote(string? value, int limit) => Quoted(value, limit, Mode.Value);

    /// <summary>
    /// A name that is ASCII by rule (a market, a key, an id) quoted as <see cref="Quote"/> does, with
    /// every non-ASCII character escaped as well: a look-alike letter (Cyrillic е for e) shows as its code point.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? QuoteName(string? value, int limit) => Quoted(value, limit, Mode.Name);

    /// <summary>
    /// A text the module composed from values it escaped (a Plan, a message): its own line feeds stay
    /// line feeds, any other invisible character left in it is escaped, and backslashes are left alone.
    /// Escaping it again changes nothing, so every prompt and journal record can go through it.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Composed(string? text) => text is null ? null : Escape(text, 0, text.Length, Mode.Composed);

    /// <summary>Whether a code point is one a person could not see, or one that steers the terminal.</summary>
    public static bool IsInvisible(int codePoint)
    {
        if (codePoint is < 0x20 or (>= 0x7F and <= 0x9F))
        {
            return true;
        }

        if (codePoint < 0x7F)
        {
            return false;
        }

        if (IgnorableRanges.Any(r => codePoint >= r.First && codePoint <= r.Last))
        {
            return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.Control;
    }

    private static string? Quoted(string? value, int limit, Mode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (value is null)
        {
            return null;
        }

        if (value.Length <= limit)
        {
            return Escape(value, 0, value.Length, mode);
        }

        // Never between the two halves of a surrogate pair.
        var end = limit > 0 && char.IsHighSurrogate(value[limit - 1]) && char.IsLowSurrogate(value[limit]) ? limit + 1 : limit;
        return string.Create(CultureInfo.InvariantCulture, $"{Escape(value, 0, end, mode)}... ({value.Length - end} more characters)");
    }

    private static string Escape(string text, int start, int end, Mode mode)
    {
        if (!NeedsEscaping(text, start, end, mode))
        {
            return text[start..end];
        }

        var shown = new StringBuilder(end - start + 16);
        for (var i = start; i < end;)
        {
            var (codePoint, width) = CodePointAt(text, i, end);
            if (IsEscaped(codePoint, mode))
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\u{{{codePoint:X2}}}");
            }
            else
            {
                shown.Append(text, i, width);
                if (IsAmbiguousBackslash(text, i, end, mode))
                {
                    shown.Append('\\');
                }
            }

            i += width;
        }

        return shown.ToString();
    }

    private static bool NeedsEscaping(string text, int start, int end, Mode mode)
    {
        for (var i = start; i < end;)
        {
            var (codePoint, width) = CodePointAt(text, i, end);
            if (IsEscaped(codePoint, mode) || IsAmbiguousBackslash(text, i, end, mode))
            {
                return true;
            }

            i += width;
        }

        return false;
    }

    private static bool IsEscaped(int codePoint, Mode mode) => mode switch
    {
        Mode.Composed => codePoint != '\n' && IsInvisible(codePoint),
        Mode.Name => codePoint > 0x7E || IsInvisible(codePoint),
        _ => IsInvisible(codePoint),
    };

    /// <summary>
    /// A backslash of a value that could be read as part of an escape: one followed by u{, by another
    /// backslash or by an escaped character. (A composed text's values were escaped already.)
    /// </summary>
    private static bool IsAmbiguousBackslash(string text, int index, int end, Mode mode)
    {
        var next = index + 1;
        return mode != Mode.Composed && text[index] == '\\' && next < end
            && (text[next] == '\\' || (text[next] == 'u' && next + 1 < end && text[next + 1] == '{') || IsEscaped(CodePointAt(text, next, end).CodePoint, mode));
    }

    /// <summary>The code point at a position and how many chars it takes; a lone surrogate is its own code point.</summary>
    private static (int CodePoint, int Width) CodePointAt(string text, int index, int end) =>
        char.IsHighSurrogate(text[index]) && index + 1 < end && char.IsLowSurrogate(text[index + 1])
            ? (char.ConvertToUtf32(text[index], text[index + 1]), 2)
            : (text[index], 1);

    private enum Mode
    {
        /// <summary>One value: everything invisible escaped, ambiguous backslashes doubled.</summary>
        Value,

        /// <summary>A value that is ASCII by rule: non-ASCII escaped too.</summary>
        Name,

        /// <summary>A text of escaped values: its line feeds kept, backslashes left alone.</summary>
        Composed,
    }
}
