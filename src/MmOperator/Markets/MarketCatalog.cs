using System.Text.RegularExpressions;
using MmOperator.EnvFiles;
using MmOperator.Reporting;

namespace MmOperator.Markets;

/// <summary>
/// The markets that exist in a repo: one per regular <c>.env.&lt;slug&gt;</c> file that names its symbol in
/// MM_MARKET_NAME. Never a market: lock, temporary, backup and sample files (<c>.env.lock</c>,
/// <c>*.mmoperator-*.tmp</c>, <c>.env.example</c>, <c>.env.sample</c>, <c>.env.template</c>, <c>*.bak</c>,
/// <c>*.candidate</c>, <c>*.iterNNN</c>), files that name no symbol, and symbolic links. Resolves a
/// <see cref="Market"/> to exactly one entry, a symbol through the files' MM_MARKET_NAME, or refuses
/// it with the closest safe alternative.
/// </summary>
public sealed partial class MarketCatalog
{
    private const string AcceptedForms = "eth, ETH-USD or .env.eth";

    /// <summary>Suffixes of files that sit beside the markets without being one (host tools, editors, the module's own temporary files).</summary>
    private static readonly HashSet<string> NotMarketSlugs = new(StringComparer.Ordinal)
    {
        "example", "sample", "template", "lock", "bak", "backup", "orig", "old", "tmp", "temp", "swp", "candidate", "dist",
    };

    private readonly Dictionary<string, MarketEntry> _bySlug;
    private readonly Dictionary<string, string> _notMarkets;

    public MarketCatalog(string repoPath, IEnumerable<MarketEntry> markets, IReadOnlyDictionary<string, string>? notMarkets = null)
    {
        RepoPath = repoPath;
        Markets = markets.OrderBy(m => m.Slug, StringComparer.Ordinal).ToList();
        _bySlug = Markets.ToDictionary(m => m.Slug, StringComparer.Ordinal);
        _notMarkets = new Dictionary<string, string>(notMarkets ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    public string RepoPath { get; }

    public IReadOnlyList<MarketEntry> Markets { get; }

    [GeneratedRegex("^\\.env\\.([a-z0-9][a-z0-9_]*)\\z")]
    private static partial Regex MarketFileName();

    [GeneratedRegex("^iter[0-9]+\\z")]
    private static partial Regex IterationSuffix();

    [GeneratedRegex("[^A-Z0-9]")]
    private static partial Regex NotAlphanumeric();

    /// <summary>True for a name of the market-file shape, <c>.env.&lt;slug&gt;</c>, that is not a lock, sample, backup or temporary file.</summary>
    public static bool IsMarketFileName(string fileName, out string slug)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var match = MarketFileName().Match(fileName);
        slug = match.Success ? match.Groups[1].Value : string.Empty;
        return match.Success && !NotMarketSlugs.Contains(slug) && !IterationSuffix().IsMatch(slug);
    }

    /// <summary>Reads the repo's market files. A missing repo gives an empty catalog; the caller checks the repo first.</summary>
    public static MarketCatalog Load(string repoPath) => Load(RepoEnvFiles.Read(repoPath));

    /// <summary>The markets among files already read (a command reads each file once).</summary>
    public static MarketCatalog Load(RepoEnvFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var entries = new List<MarketEntry>();
        var notMarkets = new Dictionary<string, string>(StringComparer.Ordinal);
        var shared = files.Files.FirstOrDefault(f => f.Name == ".env" && !f.IsLink);
        string? EnvironmentOf(RepoEnvFile file) => (file.ValueOf("MM_ENVIRONMENT") ?? shared?.ValueOf("MM_ENVIRONMENT"))?.Trim().ToLowerInvariant();
        foreach (var file in files.Files)
        {
            if (!IsMarketFileName(file.Name, out var slug))
            {
                if (MarketFileName().Match(file.Name) is { Success: true } shaped)
                {
                    notMarkets[shaped.Groups[1].Value] = "is a lock, sample, template, backup or temporary file, never a market";
                }

                continue;
            }

            if (file.IsLink)
            {
                notMarkets[slug] = "is a symbolic link, which could point anywhere, and is never used as a market";
            }
            else if (file.ValueOf("MM_MARKET_NAME") is { Length: > 0 } symbol)
            {
                entries.Add(new MarketEntry(slug, symbol, file.FullPath) { Problem = HiddenKeys(file), Environment = EnvironmentOf(file) });
            }
            else if (HiddenKeys(file) is { } hidden)
            {
                // The host's market of this file is none (mmctl says 'unknown', the bot trades its default):
                // it is listed by its slug with the problem, so nobody takes it for the market it seems to name.
                entries.Add(new MarketEntry(slug, null, file.FullPath) { Problem = hidden, Environment = EnvironmentOf(file) });
            }
            else
            {
                notMarkets[slug] = "names no market (no MM_MARKET_NAME), so it is not a market file";
            }
        }

        return new MarketCatalog(files.RepoPath, entries, notMarkets);
    }

    /// <summary>
    /// The keys a byte-order mark (U+FEFF) hides from the host: Python keeps the mark as part of the key, so
    /// '\uFEFFMM_MARKET_NAME' is not MM_MARKET_NAME for mmctl or the bot. Null when there are none.
    /// </summary>
    private static string? HiddenKeys(RepoEnvFile file)
    {
        var hidden = file.Entries.Where(e => e.Key.Contains('\uFEFF', StringComparison.Ordinal)).ToList();
        if (hidden.Count == 0)
        {
            return null;
        }

        var keys = string.Join(", ", hidden.Select(e => $"{VisibleText.QuoteName(e.Key.Replace("\uFEFF", string.Empty, StringComparison.Ordinal), Security.KeyRules.MaxLength)} (line {e.Line})"));
        var market = hidden.Any(e => e.Key.EndsWith("MM_MARKET_NAME", StringComparison.Ordinal))
            ? ", so mmctl reports market 'unknown' and the bot would trade its default market"
            : string.Empty;
        return $"a byte-order mark (U+FEFF) before {keys} hides it from the host: mmctl and the bot do not see that key{market}. Have a human save the file as UTF-8 without a byte-order mark";
    }

    public MarketEntry? FindBySlug(string slug) => _bySlug.GetValueOrDefault(slug);

    /// <summary>The entry a market names, or an <see cref="OperatorException"/> saying why not and what to use instead.</summary>
    public MarketEntry Resolve(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        if (!market.IsWellFormed)
        {
            throw Refusal(market, ErrorIds.InvalidMarketFormat, $"Market '{VisibleText.QuoteName(market.Input, Market.MaxLength)}' is refused: {market.Problem}. Accepted forms are {AcceptedForms}.");
        }

        if (market.Form == MarketForm.Symbol)
        {
            return ResolveSymbol(market);
        }

        return _bySlug.GetValueOrDefault(market.Slug!) ?? throw Refusal(market, ErrorIds.UnknownMarket, $"Market '{market.Input}' has no market file in {RepoPath} (.env.{market.Slug}{NotMarketNote(market.Slug!)}).");
    }

    /// <summary>
    /// For a read: the market <see cref="Resolve"/> gives, else the one market whose slug or symbol the input
    /// is but for letter case (ETH, Eth, eth-usd for eth); not a file name, since .env.ETH may be a file of its own. A state change resolves strictly: its
    /// refusal names the exact market, so what a person approves is what they typed.
    /// </summary>
    public MarketEntry ResolveLookup(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        try
        {
            return Resolve(market);
        }
        catch (OperatorException) when (IgnoringCase(market) is { } entry)
        {
            return entry;
        }
    }

    /// <summary>The one market the input names but for letter case; null when none or several, or the input is not a name's shape (a path, whitespace).</summary>
    private MarketEntry? IgnoringCase(Market market)
    {
        if (!market.HasSafeShape)
        {
            return null;
        }

        var matches = Markets.Where(m => new[] { m.Slug, m.Symbol }.Contains(market.Input, StringComparer.OrdinalIgnoreCase)).ToList();
        return matches is [var one] ? one : null;
    }

    /// <summary>A symbol is what a file trades: the one file whose MM_MARKET_NAME it is, whatever the file is called.</summary>
    private MarketEntry ResolveSymbol(Market market)
    {
        var sameSymbol = Markets.Where(m => m.Symbol == market.Input).ToList();
        return sameSymbol.Count switch
        {
            1 => sameSymbol[0],
            0 => throw Refusal(market, ErrorIds.UnknownMarket, $"Market '{market.Input}' is traded by no market file in {RepoPath} (no .env.* file has MM_MARKET_NAME={market.Input}{NotMarketNote(market.Slug!)})."),
            _ => throw new OperatorException(
                ErrorIds.AmbiguousMarket,
                ErrorCategory.InvalidArgument,
                $"Market '{market.Input}' is ambiguous: {string.Join(", ", sameSymbol.Select(m => m.EnvFileName))} all trade it. Name the file instead: {string.Join(" or ", sameSymbol.Select(m => "'" + m.EnvFileName + "'"))}.",
                market.Input),
        };
    }

    /// <summary>Why a file of that name is there but does not count.</summary>
    private string NotMarketNote(string slug) =>
        _notMarkets.TryGetValue(slug, out var why) ? $"; .env.{slug} {why}" : string.Empty;

    /// <summary>A refusal with the closest safe alternative; an input that fits several markets names them all.</summary>
    private OperatorException Refusal(Market market, string errorId, string reason)
    {
        var candidates = Suggest(market.Input);
        if (candidates.Count > 1)
        {
            var both = string.Join(" or ", candidates.Select(c => "'" + c.DisplayName + "'"));
            return new OperatorException(ErrorIds.AmbiguousMarket, ErrorCategory.InvalidArgument, $"{reason} It could mean {both}; name one of them.", market.Input);
        }

        var hint = candidates.Count == 1 && candidates[0].DisplayName != market.Input
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
}
