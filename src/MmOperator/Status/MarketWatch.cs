using System.Globalization;

namespace MmOperator.Status;

/// <summary>One market's line of Watch-MmMarket (PSTypeName MmOperator.WatchedMarket): its status, what changed and its uptime.</summary>
public sealed class WatchedMarket
{
    public const string TypeName = "MmOperator.WatchedMarket";

    /// <summary>"!" for a Crashed or Orphaned market (a human acts), "*" for what changed since the last refresh, "!*" for both.</summary>
    public required string Mark { get; init; }

    public required MarketStatus Status { get; init; }

    /// <summary>How long its bot has run (d.hh:mm:ss), from the process table; null when no bot runs or its start is unknown.</summary>
    public TimeSpan? Uptime { get; init; }

    public string? UptimeText => Uptime is { } up
        ? up.ToString(up.TotalDays >= 1 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture)
        : null;
}

/// <summary>
/// What Watch-MmMarket shows at each refresh: each market marked when it changed since the previous one
/// (state, pid, settings, note) and when it needs a human (Crashed, Orphaned), with its bot's uptime.
/// Pure: the command reads the status and the clock, so it is tested without a runspace or a wait.
/// </summary>
public sealed class MarketWatch
{
    public const string Legend = "! crashed or orphaned: a human acts   * changed since the last refresh";

    private Dictionary<string, string>? _previous;

    /// <param name="startedAt">When a pid's process started (UTC); null when unknown.</param>
    public IReadOnlyList<WatchedMarket> Refresh(IReadOnlyList<MarketStatus> markets, Func<int, DateTime?> startedAt, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(markets);
        ArgumentNullException.ThrowIfNull(startedAt);
        var seen = markets.ToDictionary(m => m.Market, Signature, StringComparer.Ordinal);
        var rows = markets.Select(m => new WatchedMarket
        {
            Status = m,
            Mark = (NeedsHuman(m) ? "!" : string.Empty) + (_previous is not null && (!_previous.TryGetValue(m.Market, out var before) || before != seen[m.Market]) ? "*" : string.Empty),
            Uptime = m.State == MarketState.Running && m.Pid is { } pid && startedAt(pid) is { } started && started <= now ? now - started : null,
        }).ToList();
        _previous = seen;
        return rows;
    }

    private static bool NeedsHuman(MarketStatus market) => market.State is MarketState.Crashed or MarketState.Orphaned;

    /// <summary>What a refresh compares: a change in any of it is marked.</summary>
    private static string Signature(MarketStatus market) =>
        string.Create(CultureInfo.InvariantCulture, $"{market.State}|{market.Pid}|{market.Environment}|{market.SettingsChanged}|{market.Problem}|{market.Note}");
}
