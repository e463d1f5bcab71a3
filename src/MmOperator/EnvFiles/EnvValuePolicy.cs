using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using MmOperator.Errors;

namespace MmOperator.EnvFiles;

/// <summary>
/// Which values a .env line can hold faithfully, as the host's tools and the bot's loader read it:
/// printable ASCII, no quotes (python-dotenv strips them, the tools do not), no '$' (the loader
/// expands it), no whitespace before '#' and no leading '#' (comments), no surrounding whitespace;
/// and, where bounds.json types the key, the right type within min/max.
/// </summary>
public static partial class EnvValuePolicy
{
    public const int MaxLength = 256;

    [GeneratedRegex("^-?[0-9]+\\z")]
    private static partial Regex Integer();

    [GeneratedRegex("^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\z")]
    private static partial Regex Decimal();

    /// <summary>The value, unchanged, when it can be written for this key; otherwise the refusal.</summary>
    public static string Check(string key, string? value, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(policy);
        var text = value ?? string.Empty;
        if (StorageProblem(text) is { } problem)
        {
            throw new OperatorException(ErrorIds.InvalidEnvValue, ErrorCategory.InvalidArgument, $"The value for {key} is refused: {problem}, which the host's .env reader cannot store faithfully. Nothing was changed.", key);
        }

        if (policy.Bounds.TryGetValue(key, out var bounds) && BoundsProblem(text, bounds) is { } outOfBounds)
        {
            throw new OperatorException(ErrorIds.EnvValueOutOfBounds, ErrorCategory.InvalidArgument, $"The value '{text}' for {key} is refused: {outOfBounds} (mm_config/policy/bounds.json). Nothing was changed.", key);
        }

        return text;
    }

    private static string? StorageProblem(string text) => text switch
    {
        _ when text.Length > MaxLength => $"it is longer than {MaxLength} characters",
        _ when text.Any(c => c is '\n' or '\r') => "it contains a line break",
        _ when text.Contains('\0', StringComparison.Ordinal) => "it contains a NUL character",
        _ when text.Any(c => c is < ' ' or > '~') => "it contains control or non-ASCII characters",
        _ when text.Any(c => c is '"' or '\'' or '`') => "it contains quotes",
        _ when text.Contains('$', StringComparison.Ordinal) => "it contains '$', which the bot's loader would expand",
        _ when text.Length > 0 && text.Trim().Length != text.Length => "it has leading or trailing whitespace",
        _ when text.StartsWith('#') || Regex.IsMatch(text, "\\s#") => "a '#' there would start a comment",
        _ => null,
    };

    private static string? BoundsProblem(string text, KeyBounds bounds)
    {
        double number;
        switch (bounds.Type)
        {
            case "bool":
                return text is "true" or "false" or "1" or "0" ? null : "it must be a bool: true, false, 1 or 0";
            case "int" when Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                number = whole;
                break;
            case "int":
                return "it must be a whole number";
            case "float" when Decimal().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real):
                number = real;
                break;
            case "float":
                return "it must be a finite number";
            default:
                return null;
        }

        if (bounds.Min is { } min && number < min)
        {
            return $"it is below the minimum {min.ToString(CultureInfo.InvariantCulture)}";
        }

        return bounds.Max is { } max && number > max ? $"it is above the maximum {max.ToString(CultureInfo.InvariantCulture)}" : null;
    }
}
