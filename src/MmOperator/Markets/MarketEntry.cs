namespace MmOperator.Markets;

/// <summary>
/// A market that exists in the repo: a regular <c>.env.&lt;slug&gt;</c> file. <see cref="Symbol"/> is the
/// file's MM_MARKET_NAME, null when the file names none.
/// </summary>
public sealed record MarketEntry(string Slug, string? Symbol, string EnvFilePath)
{
    public string EnvFileName => ".env." + Slug;

    /// <summary>Why the host reads this file otherwise than it looks (a byte-order mark hiding a key); null when it does not.</summary>
    public string? Problem { get; init; }

    /// <summary>MM_ENVIRONMENT as the bot reads it (its own file, else the shared .env; lower-cased), or null when neither sets it.</summary>
    public string? Environment { get; init; }

    /// <summary>Real money: every Plan, prompt and approval request for this market says so.</summary>
    public bool IsMainnet => Environment == "mainnet";

    /// <summary>The one form the module ever hands mmctl: the bare slug, which mmctl cannot read as a path.</summary>
    public string MmctlArgument => Slug;

    /// <summary>How the module names the market to people: the symbol when known, else the slug.</summary>
    public string DisplayName => Symbol ?? Slug;
}
