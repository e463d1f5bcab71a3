namespace MmOperator.IO;

/// <summary>
/// Text as the host's Python tools see it: <c>str.strip</c> (which also strips the information
/// separators \x1c-\x1f, unlike .NET's Trim) and <c>str.splitlines</c> (which also ends a line at \v,
/// \f, \x1c-\x1e, NEL, U+2028 and U+2029, where a .NET or Python file reader does not).
/// </summary>
public static class PythonText
{
    /// <summary>Every character <c>str.isspace</c> is true for.</summary>
    public const string Whitespace = " \t\n\v\f\r\u001c\u001d\u001e\u001f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

    /// <summary>The line ends of <c>str.splitlines</c> besides \r and \n.</summary>
    public const string OtherLineBreaks = "\v\f\u001c\u001d\u001e\u0085\u2028\u2029";

    private static readonly char[] WhitespaceChars = Whitespace.ToCharArray();
    private static readonly System.Buffers.SearchValues<char> OtherBreaks = System.Buffers.SearchValues.Create(OtherLineBreaks);

    /// <summary><c>str.strip()</c>.</summary>
    public static string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim(WhitespaceChars);
    }

    /// <summary><c>str.lstrip()</c>.</summary>
    public static string StripStart(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.TrimStart(WhitespaceChars);
    }

    /// <summary><c>str.splitlines()</c>: \r\n is one break; no empty last line after a final break.</summary>
    public static IReadOnlyList<string> SplitLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r' || OtherBreaks.Contains(c))
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    /// <summary>Where the text holds a line break of <c>str.splitlines</c> other than \r and \n; -1 when none.</summary>
    public static int IndexOfOtherLineBreak(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.AsSpan().IndexOfAny(OtherBreaks);
    }
}
