using System.Globalization;

namespace MmOperator.Status;

/// <summary>
/// The host at a glance (PSTypeName MmOperator.Health): markets by state, the audit journal (its chain, its
/// size and growth in the last hour), what waits
/// for a decision, and the last failed action. A part that could not be read is null (unknown), never
/// a guess; the error that says why is written beside it.
/// </summary>
public sealed class Health
{
    public const string TypeName = "MmOperator.Health";

    public required DateTime GeneratedAt { get; init; }

    /// <summary>Markets with a live bot mmctl does not know (it cannot stop it; a start would add a second): the most urgent, shown first.</summary>
    public int? Orphaned { get; init; }

    /// <summary>Each orphaned market with its live pid (ETH-USD (pid 4242)).</summary>
    public IReadOnlyList<string>? OrphanedMarkets { get; init; }

    public int? Running { get; init; }

    public int? Stopped { get; init; }

    public int? Crashed { get; init; }

    /// <summary>The markets whose bot died (their pid files are stale; a zombie's too, which mmctl calls running).</summary>
    public IReadOnlyList<string>? CrashedMarkets { get; init; }

    public int? StalePidFiles { get; init; }

    public bool? JournalValid { get; init; }

    /// <summary>Where and why the journal's chain breaks, when it does.</summary>
    public string? JournalProblem { get; init; }

    /// <summary>The journal's size in bytes.</summary>
    public long? JournalBytes { get; init; }

    /// <summary>How many of those bytes the records of the last hour take: a journal growing fast is worth a look.</summary>
    public long? JournalBytesLastHour { get; init; }

    /// <summary>Advisor proposals still pending, all of them (the apply script's own listing stops at 50).</summary>
    public int? PendingProposals { get; init; }

    /// <summary>Approval requests from the restricted session waiting for a human, unexpired.</summary>
    public int? PendingApprovals { get; init; }

    /// <summary>The journal's most recent Failed action; null when there is none or the journal is unknown.</summary>
    public HealthFailure? LastFailure { get; init; }
}

/// <summary>A failed action as the journal recorded it.</summary>
public sealed record HealthFailure(DateTime Time, string Action, string? Market, string? ErrorId)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Time:yyyy-MM-dd HH:mm:ss}Z {Action} {Market ?? "-"} ({ErrorId ?? "no error id"})");
}
