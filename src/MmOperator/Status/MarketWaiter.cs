using System.Globalization;

namespace MmOperator.Status;

/// <summary>One market's end of a wait: its last status (null if none could be read) and whether it reached the state.</summary>
public sealed record WaitOutcome(MarketEntry Entry, MarketStatus? Status, bool Reached);

/// <summary>
/// Polls markets until each is in a state or the time is up. Reads go through the caller (one
/// <c>mmctl status &lt;m&gt; --json</c> each); a market whose status cannot be read (the caller has
/// said why and answers null) is no longer waited for. A market that reaches the state is reported at
/// once, the others at the deadline with their last status.
/// </summary>
public sealed class MarketWaiter
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly Func<MarketEntry, MarketStatus?> _read;
    private readonly Func<TimeSpan, bool> _pause;
    private readonly Func<TimeSpan> _elapsed;

    /// <param name="read">The market's status now, or null after reporting why there is none.</param>
    /// <param name="pause">Waits that long; false when the wait was stopped (Ctrl+C), which ends it.</param>
    /// <param name="elapsed">Time since the wait began.</param>
    public MarketWaiter(Func<MarketEntry, MarketStatus?> read, Func<TimeSpan, bool> pause, Func<TimeSpan> elapsed)
    {
        _read = read;
        _pause = pause;
        _elapsed = elapsed;
    }

    public IEnumerable<WaitOutcome> Wait(IReadOnlyList<MarketEntry> markets, MarketState state, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(markets);
        var waiting = markets.Distinct().ToList();
        var last = new Dictionary<MarketEntry, MarketStatus>();
        while (true)
        {
            foreach (var entry in waiting.ToList())
            {
                var status = _read(entry);
                if (status is null || status.State == state)
                {
                    waiting.Remove(entry);
                }

                if (status is not null)
                {
                    last[entry] = status;
                    if (status.State == state)
                    {
                        yield return new WaitOutcome(entry, status, true);
                    }
                }
            }

            var left = timeout - _elapsed();
            if (waiting.Count == 0)
            {
                yield break;
            }

            if (left <= TimeSpan.Zero)
            {
                foreach (var entry in waiting)
                {
                    yield return new WaitOutcome(entry, last.GetValueOrDefault(entry), false);
                }

                yield break;
            }

            if (!_pause(left < PollInterval ? left : PollInterval))
            {
                yield break;
            }
        }
    }

    /// <summary>The error for a market still not in the state: where it is, and the closest safe next step.</summary>
    public static OperatorException TimedOut(WaitOutcome outcome, MarketState wanted, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var name = outcome.Entry.DisplayName;
        var now = outcome.Status?.State;
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return new OperatorException(
            ErrorIds.WaitTimedOut,
            ErrorCategory.OperationTimeout,
            $"{name} is {now?.ToString() ?? "unknown"}, not {wanted}, after {seconds} s. Next step: {NextStep(now, wanted, outcome.Entry.Slug)}.",
            (object?)outcome.Status ?? name);
    }

    private static string NextStep(MarketState? now, MarketState wanted, string market) => (now, wanted) switch
    {
        (MarketState.Orphaned, _) => $"a bot mmctl does not know still runs, and mmctl cannot stop it; escalate to a human, who ends it on the host with the commands Get-MmStatus {market} names",
        (MarketState.Crashed, MarketState.Stopped) => $"the bot is gone but its pid file stays; have a human read its log (Get-MmLog {market}), then Stop-MmMarket {market} -Reason <why> clears the pid file (needs approval)",
        (MarketState.Crashed, _) => $"the bot died; have a human read its log (Get-MmLog {market}) before it is started again",
        (MarketState.Running, MarketState.Stopped) => $"it is still quoting; check it with Get-MmStatus {market}, and if it must stop, Stop-MmMarket {market} -Reason <why> (needs approval)",
        (MarketState.Stopped, MarketState.Running) => $"it is not running; check its last start with Get-MmAuditLog -Market {market} -Last 1, or start it with Start-MmMarket {market} -Reason <why> (needs approval)",
        (MarketState.Running or MarketState.Stopped, MarketState.Crashed) => "nothing to do: its bot has not died",
        (_, MarketState.Orphaned) => "nothing to do: no bot of it runs without mmctl knowing it",
        _ => $"check it with Get-MmStatus {market}, or wait longer with a larger -Timeout",
    };
}
