using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Metrics;

/// <summary>
/// One host's markets and health as metric families, every sample labelled with the host, so that the
/// expositions of several hosts merge into one (<see cref="PrometheusText.Merge"/>). A part that could not
/// be read has no samples, and mm_read_ok says which (a missing sample is unknown, never 0 or healthy).
/// Label values are shown as every text from the host's files is (<see cref="VisibleText"/>), then escaped
/// as the format requires.
/// </summary>
public static class HostMetrics
{
    private const string Gauge = "gauge";

    private const string ReadOk = "mm_read_ok";

    // One text for both writers: merged expositions keep the first HELP of a family, whichever wrote it.
    private const string ReadOkHelp = "1 when this part of the host could be read (markets: mmctl status; journal; proposals: the advisor's files; approvals: the approval requests; host: over a fleet, the host answered), else 0 and its metrics are absent.";

    /// <summary>Over a fleet: whether the host answered with its metrics (a dead host is a 0, not a silent gap).</summary>
    public static MetricFamily Answered(string host, bool answered)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new(ReadOk, ReadOkHelp, Gauge, [new([("host", VisibleText.Of(host)), ("part", "host")], answered ? 1 : 0)]);
    }

    /// <param name="host">The host label: the machine name unless the caller names it otherwise.</param>
    /// <param name="markets">Every market with its true state (Get-MmMarket's), or null when they could not be read.</param>
    /// <param name="health">Get-MmHealth's summary, read at the same time.</param>
    /// <param name="startedAt">When a pid started (the process table), or null when unknown.</param>
    public static IReadOnlyList<MetricFamily> Build(string host, IReadOnlyList<MarketStatus>? markets, Health health, Func<int, DateTime?> startedAt)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(startedAt);
        var hostLabel = VisibleText.Of(host);
        var shown = markets ?? [];
        IReadOnlyList<(string, string)> HostOnly() => [("host", hostLabel)];
        IReadOnlyList<(string, string)> Of(MarketStatus m) => [("market", VisibleText.Of(m.Market)), ("host", hostLabel)];
        IReadOnlyList<MetricSample> PerMarket(Func<MarketStatus, bool> flag) => shown.Select(m => new MetricSample(Of(m), flag(m) ? 1 : 0)).ToList();
        IReadOnlyList<MetricSample> PerHost(double? value) => value is { } known ? [new MetricSample(HostOnly(), known)] : [];

        return
        [
            new(ReadOk, ReadOkHelp, Gauge,
            [
                new([("host", hostLabel), ("part", "markets")], markets is null ? 0 : 1),
                new([("host", hostLabel), ("part", "journal")], health.JournalValid is null ? 0 : 1),
                new([("host", hostLabel), ("part", "proposals")], health.PendingProposals is null ? 0 : 1),
                new([("host", hostLabel), ("part", "approvals")], health.PendingApprovals is null ? 0 : 1),
            ]),
            new("mm_market_state", "1 for the market's state (Running, Stopped, Crashed, Orphaned as Get-MmMarket shows it, corrected by the process table), 0 for the others.", Gauge,
                shown.SelectMany(m => Enum.GetValues<MarketState>().Select(state => new MetricSample([.. Of(m), ("state", state.ToString())], m.State == state ? 1 : 0))).ToList()),
            new("mm_market_up", "1 when the market's bot runs as mmctl knows it (Running).", Gauge, PerMarket(m => m.State == MarketState.Running)),
            new("mm_market_pid_age_seconds", "Seconds since the market's live bot process started (Running or Orphaned).", Gauge,
                shown.Where(m => m.State is MarketState.Running or MarketState.Orphaned && m.Pid is not null)
                    .Select(m => (Market: m, Started: startedAt(m.Pid!.Value)))
                    .Where(m => m.Started is not null)
                    .Select(m => new MetricSample(Of(m.Market), Math.Max(0, Math.Round((health.GeneratedAt - m.Started!.Value).TotalSeconds, 2))))
                    .ToList()),
            new("mm_market_settings_stale", "1 when the market's env file or the shared .env changed after its bot started: it runs on the old settings until restarted.", Gauge, PerMarket(m => m.SettingsChanged)),
            new("mm_market_crashed", "1 when the market's bot died and left its pid file (Crashed).", Gauge, PerMarket(m => m.State == MarketState.Crashed)),
            new("mm_market_orphaned", "1 when a bot of the market lives without mmctl knowing it (Orphaned): mmctl cannot stop it, and a start would add a second.", Gauge, PerMarket(m => m.State == MarketState.Orphaned)),
            new("mm_journal_valid", "1 when the audit journal's hash chain verifies, else 0.", Gauge, PerHost(health.JournalValid is { } valid ? (valid ? 1 : 0) : null)),
            new("mm_journal_bytes", "The audit journal's size in bytes.", Gauge, PerHost(health.JournalBytes)),
            new("mm_advisor_pending_proposals", "Advisor proposals still pending, all of them.", Gauge, PerHost(health.PendingProposals)),
            new("mm_approval_requests_pending", "Approval requests of the restricted session waiting for a human, unexpired.", Gauge, PerHost(health.PendingApprovals)),
            new("mm_last_failure_timestamp_seconds", "Unix time of the journal's most recent Failed action; 0 when there is none.", Gauge,
                PerHost(health.JournalValid is null ? null : health.LastFailure is { } failure ? (failure.Time - DateTime.UnixEpoch).TotalSeconds : 0)),
        ];
    }
}
