using System.Globalization;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Audit;

namespace MmOperator.Status;

/// <summary>
/// Reads the parts of a <see cref="Health"/> summary one by one, read only and starting no process but
/// the caller's status listing (<see cref="StatusQuery.Overview"/>): a part that fails is reported through the callback and left
/// unknown, and the others are still read. Pending proposals come from the advisor's files by the apply
/// script's own rule (the runbook puts running the script's listing under approval).
/// </summary>
public static class HealthReader
{
    public static Health Read(Func<IReadOnlyList<MarketStatus>> markets, AuditJournal journal, string repoPath, ApprovalStore approvals, Action<OperatorException> unreadable)
    {
        ArgumentNullException.ThrowIfNull(markets);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(approvals);
        ArgumentNullException.ThrowIfNull(unreadable);
        var now = DateTime.UtcNow;
        var statuses = Part(markets, unreadable);
        var audit = Part(() => ReadJournal(journal, now), unreadable);
        var proposals = Part(() => PendingProposals.Read(repoPath), unreadable);
        var requests = Part(() => ReadApprovals(approvals), unreadable);
        return new Health
        {
            GeneratedAt = now,
            Orphaned = statuses?.Count(s => s.State == MarketState.Orphaned),
            OrphanedMarkets = statuses?.Where(s => s.State == MarketState.Orphaned).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Market} (pid {s.Pid})")).ToList(),
            Running = statuses?.Count(s => s.State == MarketState.Running),
            Stopped = statuses?.Count(s => s.State == MarketState.Stopped),
            Crashed = statuses?.Count(s => s.State == MarketState.Crashed),
            CrashedMarkets = statuses?.Where(s => s.State == MarketState.Crashed).Select(s => s.Market).ToList(),
            StalePidFiles = statuses?.Count(s => s.StalePidFile),
            SettingsChanged = statuses?.Count(s => s.SettingsChanged),
            SettingsChangedMarkets = statuses?.Where(s => s.SettingsChanged).Select(s => s.Market).ToList(),
            JournalValid = audit?.Verification.IsValid,
            JournalProblem = audit?.Verification is { IsValid: false } broken ? $"line {broken.FirstBrokenLine}: {broken.Problem}" : null,
            JournalBytes = audit?.Growth.Bytes,
            JournalBytesLastHour = audit?.Growth.BytesSince,
            PendingProposals = proposals?.Pending.Count,
            PendingApprovals = requests?.Count(r => r.State == ApprovalState.Pending && !r.IsExpired(now)),
            LastFailure = audit?.LastFailure,
        };
    }

    private static T? Part<T>(Func<T> read, Action<OperatorException> unreadable)
        where T : class
    {
        try
        {
            return read();
        }
        catch (OperatorException failure)
        {
            unreadable(failure);
            return null;
        }
    }

    private static JournalState ReadJournal(AuditJournal journal, DateTime now)
    {
        try
        {
            var failed = journal.Last(AuditOutcome.Failed);
            return new JournalState(journal.Verify(), journal.Growth(now.AddHours(-1)), failed is null ? null : new HealthFailure(failed.Time, failed.Action, failed.Market, failed.ErrorId));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException(ErrorIds.AuditJournalUnavailable, ErrorCategory.ReadError, $"The audit journal '{journal.Path}' cannot be read ({error.Message}), so its chain, size and last failure are unknown. Check it with Test-MmAuditLog.", journal.Path, error);
        }
    }

    private static List<ApprovalRequest> ReadApprovals(ApprovalStore approvals)
    {
        try
        {
            return approvals.List().ToList();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException(ErrorIds.ApprovalStoreUnreadable, ErrorCategory.ReadError, $"The approval requests in '{approvals.Folder}' cannot be read ({error.Message}), so the pending ones are unknown. Check them with Get-MmApprovalRequest.", approvals.Folder, error);
        }
    }

    private sealed record JournalState(AuditVerification Verification, JournalGrowth Growth, HealthFailure? LastFailure);
}
