using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace MmOperator.EnvFiles;

/// <summary>
/// Values in the form the host's own tools store them (the advisor's submit script, rules S5 and A6 of
/// tests/fixtures/conformance/rules.md): a bool is <c>true</c> or <c>false</c> whatever case or 1/0 was
/// typed, an int has no sign or leading zeros to spare, a float is a plain decimal with trailing zeros
/// stripped and exponents expanded (<c>1.80</c> is <c>1.8</c>, <c>1e1</c> is <c>10</c>).
/// </summary>
public static partial class HostValueForm
{
    /// <summary>Exponents beyond this are refused rather than expanded into hundreds of digits.</summary>
    private const int MaxExponent = 64;

    [GeneratedRegex("^[+-]?[0-9]+\\z")]
    private static partial Regex Integer();

    [GeneratedRegex("^([+-]?)([0-9]*)(?:\\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,9}))?\\z")]
    private static partial Regex DecimalText();

    /// <summary>The bool the host reads, or null when the text is none of true, false, 1, 0 (any case).</summary>
    public static string? Flag(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "1" => "true",
        "false" or "0" => "false",
        _ => null,
    };

    /// <summary>The whole number without a plus sign or leading zeros, or null when it is not one.</summary>
    public static string? WholeNumber(string text)
    {
        var trimmed = text.Trim();
        return Integer().IsMatch(trimmed) ? BigInteger.Parse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : null;
    }

    /// <summary>A finite decimal as a plain number with no trailing zeros (<c>-0.0</c> stays <c>-0</c>, as Python's Decimal keeps it), or null.</summary>
    public static string? Number(string text)
    {
        var match = DecimalText().Match(text.Trim());
        if (!match.Success || match.Groups[2].Length + match.Groups[3].Length == 0)
        {
            return null;
        }

        var exponent = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
        if (Math.Abs(exponent) > MaxExponent)
        {
            return null;
        }

        var digits = (match.Groups[2].Value + match.Groups[3].Value).TrimStart('0');
        var scale = match.Groups[3].Length - exponent;
        while (digits.EndsWith('0') && scale > 0)
        {
            digits = digits[..^1];
            scale--;
        }

        if (digits.Length == 0)
        {
            return match.Groups[1].Value == "-" ? "-0" : "0";
        }

        if (scale < 0)
        {
            digits += new string('0', -scale);
            scale = 0;
        }

        var plain = new StringBuilder(match.Groups[1].Value == "-" ? "-" : string.Empty);
        if (scale == 0)
        {
            return plain.Append(digits).ToString();
        }

        return digits.Length > scale
            ? plain.Append(digits[..^scale]).Append('.').Append(digits[^scale..]).ToString()
            : plain.Append("0.").Append('0', scale - digits.Length).Append(digits).ToString();
    }

    /// <summary>
    /// The host's notion of equal values (the apply script's rule): the same trimmed text, the same
    /// number (<c>1.50</c> and <c>1.5</c>), or the same bool (<c>0</c> and <c>false</c>). Two nulls are equal.
    /// </summary>
    public static bool SameValue(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Trim() == b.Trim())
        {
            return true;
        }

        if (Number(a) is { } x && Number(b) is { } y)
        {
            return x.TrimStart('-') == "0" ? y.TrimStart('-') == "0" : x == y;
        }

        return Flag(a) is { } p && p == Flag(b);
    }
}
