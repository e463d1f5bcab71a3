using System.Globalization;
using System.Text.RegularExpressions;

namespace MmOperator.EnvFiles;

/// <summary>
/// Which values a .env line can hold faithfully, as the host's tools and the bot's loader read it:
/// printable ASCII, no quotes (python-dotenv strips them, the tools do not), no '$' (the loader
/// expands it), no whitespace before '#' and no leading '#' (comments), no surrounding whitespace;
/// then what the bot's settings model accepts for the key (type, bounds, allowed values: a value
/// outside them stops the bot from starting) and what the repo's bounds.json adds. The value comes
/// back in the form the host's own tools would store (<see cref="HostValueForm"/>).
/// </summary>
public static partial class EnvValuePolicy
{
    public const int MaxLength = 256;

    /// <summary>The value to write, in the host's form, when it can be written for this key; otherwise the refusal.</summary>
    public static string Check(string key, string? value, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(policy);
        var text = value ?? string.Empty;
        if (StorageProblem(text) is { } problem)
        {
            throw new OperatorException(ErrorIds.InvalidEnvValue, ErrorCategory.InvalidArgument, $"The value for {key} is refused: {problem}, which the host's .env reader cannot store faithfully. Nothing was changed.", key);
        }

        var rules = new[] { (Rule: RepoPolicy.Settings.GetValueOrDefault(key), Source: "the bot's settings model would refuse it and the bot would not start"), (Rule: policy.Bounds.GetValueOrDefault(key), Source: "mm_config/policy/bounds.json") };
        foreach (var (rule, source) in rules)
        {
            if (rule is null)
            {
                continue;
            }

            var (form, outOfBounds) = Typed(text, rule);
            if (outOfBounds is not null)
            {
                throw new OperatorException(ErrorIds.EnvValueOutOfBounds, ErrorCategory.InvalidArgument, $"The value '{text}' for {key} is refused: {outOfBounds} ({source}). Nothing was changed.", key);
            }

            text = form!;
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

    /// <summary>The value in the host's form for the rule's type, or why the rule refuses it.</summary>
    private static (string? Form, string? Problem) Typed(string text, KeyBounds rule)
    {
        switch (rule.Type)
        {
            case "bool":
                return HostValueForm.Flag(text) is { } flag ? (flag, null) : (null, "it must be a bool: true, false, 1 or 0");
            case "int":
                return HostValueForm.WholeNumber(text) is { } whole ? InRange(whole, rule) : (null, "it must be a whole number");
            case "float":
                return HostValueForm.Number(text) is { } real ? InRange(real, rule) : (null, "it must be a finite number");
            default:
                if (rule.Allowed is not { } allowed)
                {
                    return (text, null);
                }

                var form = rule.LowerCased ? text.ToLowerInvariant() : text;
                return allowed.Contains(form, StringComparer.Ordinal) ? (form, null) : (null, $"it must be one of: {string.Join(", ", allowed)}");
        }
    }

    private static (string? Form, string? Problem) InRange(string form, KeyBounds rule)
    {
        var number = double.Parse(form, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (rule.Min is { } min && (number < min || (rule.MinExclusive && number == min)))
        {
            return (null, $"it must be {(rule.MinExclusive ? "above" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}");
        }

        if (rule.Max is { } max && (number > max || (rule.MaxExclusive && number == max)))
        {
            return (null, $"it must be {(rule.MaxExclusive ? "below" : "at most")} {max.ToString(CultureInfo.InvariantCulture)}");
        }

        return (form, null);
    }
}
