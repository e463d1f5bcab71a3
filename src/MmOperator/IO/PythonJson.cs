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
