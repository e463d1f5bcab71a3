namespace MmOperator.Status;

[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum MarketState
{
    Stopped,
    Running,

    /// <summary>The bot died: its pid file is still there, and mmctl lists it as stopped with the dead pid.</summary>
    Crashed,
}

/// <summary>
/// One bot instance as <c>mmctl status</c> reports it (PSTypeName MmOperator.MarketStatus). Its
/// <see cref="Market"/> property pipes by name into the market cmdlets.
/// </summary>
public sealed class MarketStatus
{
    public const string TypeName = "MmOperator.MarketStatus";

    /// <summary>The exchange symbol (ETH-USD); from mmctl, else the env file's MM_MARKET_NAME, else the slug.</summary>
    public required string Market { get; init; }

    public required string Slug { get; init; }

    public string? EnvFile { get; init; }

    public required MarketState State { get; init; }

    public int? Pid { get; init; }

    public required string ControllerId { get; init; }

    public string? LogPath { get; init; }

    public required DateTime GeneratedAt { get; init; }

    /// <summary>Why the host reads the market's env file otherwise than it looks (see Get-MmMarket); null when it does not.</summary>
    public string? Problem { get; init; }

    /// <summary>A pid file whose process is gone: mmctl lists it as stopped with its old pid (a crashed bot).</summary>
    public bool StalePidFile => State == MarketState.Crashed;

    public override string ToString() => $"{Market} {State}";
}
