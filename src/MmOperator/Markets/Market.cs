using System.Text.RegularExpressions;

namespace MmOperator.Markets;

/// <summary>The three market forms mmctl accepts (runbook): <c>eth</c>, <c>ETH-USD</c>, <c>.env.eth</c>.</summary>
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum MarketForm
{
    Slug,
    Symbol,
    EnvFile,
}

/// <summary>
/// A market argument as the user gave it, checked for shape only. Whether the market exists is the
/// <see cref="MarketCatalog"/>'s question. Never throws: a malformed input carries its <see cref="Problem"/>.
/// </summary>
public sealed partial class Market
{
    public const int MaxLength = 64;

    private Market(string input, MarketForm? form, string? slug, string? problem)
    {
        Input = input;
        Form = form;
        Slug = slug;
        Problem = problem;
    }

    /// <summary>The text exactly as given.</summary>
    public string Input { get; }

    /// <summary>The accepted form the input is in, or null when it is none of them.</summary>
    public MarketForm? Form { get; }

    /// <summary>mmctl's mapping of the input to an env file suffix (<c>ETH-USD</c> to <c>eth</c>), when well formed.</summary>
    public string? Slug { get; }

    /// <summary>Why the input is not an accepted form; null when it is.</summary>
    public string? Problem { get; }

    public bool IsWellFormed => Form is not null;

    /// <summary>Short printable ASCII that no path or shell could misread, whether or not it is an accepted form.</summary>
    public bool HasSafeShape => ShapeProblem(Input) is null;

    [GeneratedRegex("^[a-z0-9][a-z0-9_]*\\z")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_]*-USD\\z")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex(@"^\.env\.([a-z0-9][a-z0-9_]*)\z")]
    private static partial Regex EnvFilePattern();

    public static Market Parse(string? text)
    {
        var input = text ?? string.Empty;
        var problem = ShapeProblem(input);
        if (problem is not null)
        {
            return new Market(input, null, null, problem);
        }

        if (SlugPattern().IsMatch(input))
        {
            return new Market(input, MarketForm.Slug, input, null);
        }

        var envFile = EnvFilePattern().Match(input);
        if (envFile.Success)
        {
            return new Market(input, MarketForm.EnvFile, envFile.Groups[1].Value, null);
        }

        if (SymbolPattern().IsMatch(input))
        {
            return new Market(input, MarketForm.Symbol, SlugOfSymbol(input), null);
        }

        return new Market(input, null, null, "it is none of the accepted forms");
    }

    /// <summary>mmctl's own rule for a symbol: lower-case, drop a trailing -usd, '-' to '_'.</summary>
    public static string SlugOfSymbol(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        var lower = symbol.ToLowerInvariant();
        if (lower.EndsWith("-usd", StringComparison.Ordinal))
        {
            lower = lower[..^4];
        }

        return lower.Replace('-', '_');
    }

    private static string? ShapeProblem(string input)
    {
        if (input.Trim().Length == 0)
        {
            return "it is empty";
        }

        if (input.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (input.Any(char.IsControl))
        {
            return "it contains control characters";
        }

        if (input.Any(c => c > 0x7E))
        {
            return "it contains non-ASCII characters";
        }

        if (input.Any(char.IsWhiteSpace))
        {
            return "it contains whitespace";
        }

        if (input.Contains("..", StringComparison.Ordinal) || input.Contains('/', StringComparison.Ordinal) || input.Contains('\\', StringComparison.Ordinal))
        {
            return "it looks like a path, and mmctl would use it as one";
        }

        return null;
    }

    public override string ToString() => Input;
}
