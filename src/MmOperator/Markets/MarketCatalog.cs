using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using MmOperator.EnvFiles;
using MmOperator.Errors;

namespace MmOperator.Markets;

/// <summary>
/// The markets that exist in a repo: one per regular <c>.env.&lt;slug&gt;</c> file (not <c>.env.example</c>,
/// <c>*.candidate</c>, <c>*.iterNNN</c>, <c>*.lock</c>, nor symbolic links). Resolves a <see cref="Market"/>
/// to exactly one entry or refuses it with the closest safe alternative.
/// </summary>
public sealed partial class MarketCatalog
{
    private const string AcceptedForms = "eth, ETH-USD or .env.eth";

    private readonly Dictionary<string, MarketEntry> _bySlug;

    public MarketCatalog(string repoPath, IEnumerable<MarketEntry> markets)
    {
        RepoPath = repoPath;
        Markets = markets.OrderBy(m => m.Slug, StringComparer.Ordinal).ToList();
        _bySlug = Markets.ToDictionary(m => m.Slug, StringComparer.Ordinal);
    }

    public string RepoPath { get; }

    public IReadOnlyList<MarketEntry> Markets { get; }

    [GeneratedRegex("^\\.env\\.([a-z0-9][a-z0-9_]*)\\z")]
    private static partial Regex MarketFileName();

    [GeneratedRegex("[^A-Z0-9]")]
    private static partial Regex NotAlphanumeric();

    public static bool IsMarketFileName(string fileName, out string slug)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var match = MarketFileName().Match(fileName);
        slug = match.Success ? match.Groups[1].Value : string.Empty;
        return match.Success && slug != "example";
    }

    /// <summary>Reads the repo's market files. A missing repo gives an empty catalog; the caller checks the repo first.</summary>
    public static MarketCatalog Load(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        var entries = new List<MarketEntry>();
        if (Directory.Exists(repoPath))
        {
            foreach (var file in new DirectoryInfo(repoPath).EnumerateFiles(".env.*"))
            {
                if (file.LinkTarget is not null || !IsMarketFileName(file.Name, out var slug))
                {
                    continue;
                }

                entries.Add(new MarketEntry(slug, ReadSymbol(file.FullName), file.FullName));
            }
        }

        return new MarketCatalog(repoPath, entries);
    }

    private static string? ReadSymbol(string path)
    {
        try
        {
            return HostEnvReader.ReadValues(File.ReadAllText(path)).TryGetValue("MM_MARKET_NAME", out var name) && name.Length > 0 ? name : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public MarketEntry? FindBySlug(string slug) => _bySlug.GetValueOrDefault(slug);

    /// <summary>The entry a market names, or an <see cref="OperatorException"/> saying why not and what to use instead.</summary>
    public MarketEntry Resolve(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        if (!market.IsWellFormed)
        {
            throw Refusal(market, ErrorIds.InvalidMarketFormat, $"Market '{Printable(market.Input)}' is refused: {market.Problem}. Accepted forms are {AcceptedForms}.");
        }

        var entry = _bySlug.GetValueOrDefault(market.Slug!);
        if (market.Form == MarketForm.Symbol)
        {
            return ResolveSymbol(market, entry);
        }

        return entry ?? throw Refusal(market, ErrorIds.UnknownMarket, $"Market '{market.Input}' has no env file in {RepoPath} (.env.{market.Slug}{LinkNote(market.Slug!)}).");
    }

    private MarketEntry ResolveSymbol(Market market, MarketEntry? entry)
    {
        var sameSymbol = Markets.Where(m => m.Symbol == market.Input).ToList();
        if (entry is null)
        {
            throw Refusal(market, ErrorIds.UnknownMarket, $"Market '{market.Input}' has no env file in {RepoPath} (mmctl would look for .env.{market.Slug}{LinkNote(market.Slug!)}).");
        }

        if (entry.Symbol != market.Input)
        {
            var names = entry.Symbol is null ? "names no market (no MM_MARKET_NAME)" : $"trades {entry.Symbol}";
            throw Refusal(market, ErrorIds.InvalidMarketFormat, $"Market '{market.Input}' is refused: mmctl would use {entry.EnvFileName}, which {names}.");
        }

        if (sameSymbol.Count > 1)
        {
            var files = string.Join(", ", sameSymbol.Select(m => m.EnvFileName));
            throw new OperatorException(
                ErrorIds.AmbiguousMarket,
                ErrorCategory.InvalidArgument,
                $"Market '{market.Input}' is ambiguous: {files} all trade it. Name the file instead: {string.Join(" or ", sameSymbol.Select(m => "'" + m.EnvFileName + "'"))}.",
                market.Input);
        }

        return entry;
    }

    /// <summary>Why a file that is there does not count: markets are regular files, never links that could point anywhere.</summary>
    private string LinkNote(string slug) =>
        new FileInfo(Path.Combine(RepoPath, ".env." + slug)).LinkTarget is not null ? ", which is a symbolic link and never used as a market" : string.Empty;

    /// <summary>A refusal with the closest safe alternative; an input that fits several markets names them all.</summary>
    private OperatorException Refusal(Market market, string errorId, string reason)
    {
        var candidates = Suggest(market.Input);
        if (candidates.Count > 1)
        {
            var both = string.Join(" or ", candidates.Select(c => "'" + c.DisplayName + "'"));
            return new OperatorException(ErrorIds.AmbiguousMarket, ErrorCategory.InvalidArgument, $"{reason} It could mean {both}; name one of them.", market.Input);
        }

        var hint = candidates.Count == 1
            ? $" Closest safe alternative: '{candidates[0].DisplayName}'."
            : Markets.Count == 0
                ? $" There are no markets in {RepoPath}."
                : $" Markets here: {string.Join(", ", Markets.Take(12).Select(m => m.DisplayName))}.";
        var category = errorId == ErrorIds.UnknownMarket ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument;
        return new OperatorException(errorId, category, reason + hint, market.Input);
    }

    /// <summary>
    /// Markets the input most likely means: first those equal after normalising (case, separators, a
    /// quote currency, an env file prefix or suffix), then those within two edits. Several only on a tie.
    /// </summary>
    public IReadOnlyList<MarketEntry> Suggest(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = NormalisedKey(input);
        if (key.Length == 0)
        {
            return [];
        }

        // A path's last part is what mmctl would have opened: ../.env.eth means eth.
        var lastPart = input.Split('/', '\\').Last();
        var keys = new[] { key, NormalisedKey(lastPart) }.Where(k => k.Length > 0).ToList();
        var exact = Markets.Where(m => NormalisedKeys(m).Any(keys.Contains)).ToList();
        if (exact.Count > 0)
        {
            return exact;
        }

        var scored = Markets
            .Select(m => (Market: m, Distance: NormalisedKeys(m).Min(k => EditDistance(k, key))))
            .Where(s => s.Distance <= 2)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Min(s => s.Distance);
        return scored.Where(s => s.Distance == best).Select(s => s.Market).ToList();
    }

    private static IEnumerable<string> NormalisedKeys(MarketEntry market)
    {
        yield return NormalisedKey(market.Slug);
        if (market.Symbol is not null)
        {
            yield return NormalisedKey(market.Symbol);
        }
    }

    internal static string NormalisedKey(string input)
    {
        var text = input.Length > 4 * Market.MaxLength ? input[..(4 * Market.MaxLength)] : input;
        text = text.Normalize(System.Text.NormalizationForm.FormKC).ToUpperInvariant().Trim();
        if (text.StartsWith(".ENV.", StringComparison.Ordinal))
        {
            text = text[5..];
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            text = dot >= 0 ? text[..dot] : text;
        }

        text = NotAlphanumeric().Replace(text, string.Empty);
        foreach (var quote in new[] { "USDT", "USDC", "USD", "PERP" })
        {
            if (text.Length > quote.Length && text.EndsWith(quote, StringComparison.Ordinal))
            {
                text = text[..^quote.Length];
                break;
            }
        }

        return text;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>Shows control and invisible characters as escapes, so a refusal message cannot hide or forge text.</summary>
    internal static string Printable(string input)
    {
        var text = input.Length > Market.MaxLength ? input[..Market.MaxLength] + "..." : input;
        return string.Concat(text.Select(c => c is < ' ' or > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString()));
    }
}
