namespace MmOperator.Status;

[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum MarketState
{
    Stopped,
    Running,

    /// <summary>
    /// The bot died: its pid file is still there, and mmctl lists it as stopped with the dead pid, or as
    /// running when the dead bot is a zombie its parent never reaped (mmctl only asks whether the pid exists).
    /// </summary>
    Crashed,

    /// <summary>A bot of the market lives without mmctl knowing it (its stop failed and mmctl removed the pid file): mmctl cannot stop it, and a start would add a second bot.</summary>
    Orphaned,
}

/// <summary>
/// One bot instance as <c>mmctl status</c> reports it (PSTypeName MmOperator.MarketStatus). Its
/// <see cref="Market"/> property pipes by name into the market cmdlets.
/// </summary>
public sealed class MarketStatus
{
    private readonly string? _note;

    public const string TypeName = "MmOperator.MarketStatus";

    public MarketStatus()
    {
    }

    // What the process table corrects in mmctl's row; every other field stays as mmctl said it.
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    private MarketStatus(MarketStatus row, MarketState state, int? pid, string note, bool settingsChanged)
    {
        (Market, Slug, EnvFile, ControllerId, LogPath, GeneratedAt, Environment, Problem) = (row.Market, row.Slug, row.EnvFile, row.ControllerId, row.LogPath, row.GeneratedAt, row.Environment, row.Problem);
        (State, Pid, _note, SettingsChanged) = (state, pid, note, settingsChanged);
    }

    /// <summary>The exchange symbol (ETH-USD); from mmctl, else the env file's MM_MARKET_NAME, else the slug.</summary>
    public required string Market { get; init; }

    public required string Slug { get; init; }

    public string? EnvFile { get; init; }

    public required MarketState State { get; init; }

    public int? Pid { get; init; }

    public required string ControllerId { get; init; }

    public string? LogPath { get; init; }

    public required DateTime GeneratedAt { get; init; }

    /// <summary>The market's MM_ENVIRONMENT (testnet, mainnet: real money), from its file or the shared .env; null when neither sets it.</summary>
    public string? Environment { get; init; }

    /// <summary>
    /// A running bot whose env file or the shared .env changed after it started: the bot reads its settings
    /// at start, so it runs on the old ones until it is restarted (<see cref="Note"/> says which file and how).
    /// </summary>
    public bool SettingsChanged { get; init; }

    /// <summary>Where the process table and mmctl disagree, what is true and what to do; else the stale pid file of a crash.</summary>
    public string? Note
    {
        get => _note ?? (StalePidFile ? "stale pid file" : null);
        init => _note = value;
    }

    /// <summary>Why the host reads the market's env file otherwise than it looks (see Get-MmMarket); null when it does not.</summary>
    public string? Problem { get; init; }

    /// <summary>A pid file whose process is gone (a crashed bot): mmctl lists it as stopped, or as running for a zombie.</summary>
    public bool StalePidFile => State == MarketState.Crashed;

    public override string ToString() => $"{Market} {State}";

    /// <summary>This row as the process table corrects it: its state, pid and note, and whether its settings changed since it started.</summary>
    internal MarketStatus Corrected(MarketState state, int? pid, string note, bool settingsChanged = false) => new(this, state, pid, note, settingsChanged);
}
