using System.Text;
using System.Text.Json;

namespace MmOperator.IO;

/// <summary>
/// JSON as the host's Python tools read and write it: <c>json.loads</c> also takes the literals NaN,
/// Infinity and -Infinity as values (and <c>json.dumps</c> writes them), which .NET refuses. Each such
/// value becomes the string Python's <c>str()</c> gives it ("nan", "inf", "-inf"), which is how the
/// host's tools use such a value (str(), Decimal(str())); anything else is parsed as it is, so text that
/// Python refuses is refused here too.
/// </summary>
public static class PythonJson
{
    private static readonly (string Literal, string Text)[] Constants = [("-Infinity", "\"-inf\""), ("Infinity", "\"inf\""), ("NaN", "\"nan\"")];

    /// <summary>Parses one JSON text; throws <see cref="JsonException"/> where json.loads would raise too.</summary>
    public static JsonDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return JsonDocument.Parse(WithConstantsAsText(text));
    }

    /// <summary>
    /// A JSON number as Python's <c>str()</c> writes what <c>json.loads</c> made of it: an integer exactly
    /// (-0 is 0), a float as its shortest repr (1.50 is 1.5, 1e2 is 100.0, 1e16 is 1e+16, 1e400 is inf).
    /// </summary>
    public static string NumberText(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.AsSpan().IndexOfAny(".eE") < 0)
        {
            return System.Numerics.BigInteger.Parse(raw, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return FloatRepr(double.Parse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest digits that read back, fixed from 1e-4 up to 1e16, else d.ddde±XX.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var shortest = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var sign = shortest.StartsWith('-') ? "-" : string.Empty;
        var mantissa = shortest.TrimStart('-');
        var exponent = 0;
        if (mantissa.IndexOf('E', StringComparison.Ordinal) is var e and >= 0)
        {
            exponent = int.Parse(mantissa[(e + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            mantissa = mantissa[..e];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var all = whole + (dot < 0 ? string.Empty : mantissa[(dot + 1)..]);
        var digits = all.TrimStart('0');
        // value = 0.<digits> x 10^point
        var point = whole.Length + exponent - (all.Length - digits.Length);
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        if (point <= -4 || point > 16)
        {
            var power = point - 1;
            return $"{sign}{digits[0]}{(digits.Length > 1 ? "." + digits[1..] : string.Empty)}e{(power < 0 ? '-' : '+')}{Math.Abs(power):00}";
        }

        return sign + (point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length) + ".0"
            : digits[..point] + "." + digits[point..]);
    }

    /// <summary>The text with each NaN/Infinity/-Infinity in a value's place replaced; strings and keys are left alone.</summary>
    private static string WithConstantsAsText(string text)
    {
        if (!text.Contains("NaN", StringComparison.Ordinal) && !text.Contains("Infinity", StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var containers = new Stack<char>();
        var expectingKey = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                var end = EndOfString(text, i);
                result.Append(text, i, end - i);
                i = end - 1;
                continue;
            }

            if (!expectingKey && Constants.FirstOrDefault(k => string.CompareOrdinal(text, i, k.Literal, 0, k.Literal.Length) == 0) is { Literal: not null } constant)
            {
                result.Append(constant.Text);
                i += constant.Literal.Length - 1;
                continue;
            }

            switch (c)
            {
                case '{':
                    containers.Push(c);
                    expectingKey = true;
                    break;
                case '[':
                    containers.Push(c);
                    break;
                case '}' or ']' when containers.Count > 0:
                    containers.Pop();
                    expectingKey = false;
                    break;
                case ',':
                    expectingKey = containers.TryPeek(out var open) && open == '{';
                    break;
                case ':':
                    expectingKey = false;
                    break;
            }

            result.Append(c);
        }

        return result.ToString();
    }

    /// <summary>The index just past the string that starts at <paramref name="start"/> (its closing quote), or the text's end.</summary>
    private static int EndOfString(string text, int start)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i + 1;
            }
        }

        return text.Length;
    }
}
