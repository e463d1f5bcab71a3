using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Advisor;

/// <summary>A pending proposal (PSTypeName MmOperator.AdvisorProposal); ProposalId pipes into Approve-MmAdvisorProposal.</summary>
public sealed record AdvisorProposal
{
    public const string TypeName = "MmOperator.AdvisorProposal";

    public required string ProposalId { get; init; }

    public string? Market { get; init; }

    public string? Param { get; init; }

    /// <summary>The key's value when proposed (the row's "old"); named as in EnvChange and the audit record.</summary>
    public string? PreviousValue { get; init; }

    /// <summary>The value to be approved (the row's "proposed").</summary>
    public string? NewValue { get; init; }

    /// <summary>The file the apply script will write (the row's env_path, which the script's listing does not show).</summary>
    public string? EnvPath { get; init; }

    /// <summary>True only when the row says JSON true, as warren-auto requires ("true" as text is not).</summary>
    public bool Deadman { get; init; }

    public string? Confidence { get; init; }

    public string? EscalationTarget { get; init; }

    public string? GuardrailStatus { get; init; }

    /// <summary>
    /// Why the submitter proposed it (the row's reason_note). Not named Reason: piped into
    /// Approve-MmAdvisorProposal, it would bind as the approver's own reason.
    /// </summary>
    public string? ReasonNote { get; init; }

    /// <summary>When it was proposed (UTC); hidden from Export-Csv, which would write the culture's text without a zone: <see cref="CreatedUtc"/>.</summary>
    [Hidden]
    public DateTime? Created { get; init; }

    public string? CreatedUtc => Created is { } created ? CsvField.Time(created) : null;

    public bool IsProtected { get; init; }

    /// <summary>What warren-auto takes, by the script's rule (<see cref="ProposalRecord"/>); the listing does not show rejected, the auto-apply plan reads it from the files.</summary>
    public bool IsWarrenAutoEligible { get; init; }

    public string Change => $"{Market} {Param}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}";

    public override string ToString() => $"{ProposalId} ({Change})";

    /// <summary>
    /// The proposal as a person is shown it: every text the host's files gave escaped (<see cref="VisibleText"/>).
    /// A valid id is unchanged by it, so it still pipes into Approve-MmAdvisorProposal.
    /// </summary>
    public AdvisorProposal Shown() => this with
    {
        ProposalId = VisibleText.Of(ProposalId),
        Market = VisibleText.Of(Market),
        Param = VisibleText.Of(Param),
        PreviousValue = VisibleText.Of(PreviousValue),
        NewValue = VisibleText.Of(NewValue),
        EnvPath = VisibleText.Of(EnvPath),
        Confidence = VisibleText.Of(Confidence),
        EscalationTarget = VisibleText.Of(EscalationTarget),
        GuardrailStatus = VisibleText.Of(GuardrailStatus),
        ReasonNote = VisibleText.Of(ReasonNote),
    };
}

/// <summary>What mm_advisor_submit.py did with one submission (PSTypeName MmOperator.AdvisorSubmission).</summary>
public sealed class AdvisorSubmission
{
    public const string TypeName = "MmOperator.AdvisorSubmission";

    public required bool Ok { get; init; }

    public int Created { get; init; }

    public int Written { get; init; }

    /// <summary>Hidden from Export-Csv, which would write a list's type name: <see cref="ProposalIdsLine"/>.</summary>
    [Hidden]
    public IReadOnlyList<string> ProposalIds { get; init; } = [];

    public string ProposalIdsLine => string.Join(", ", ProposalIds);

    /// <summary>Per failing row: where it came from and the script's own words; <see cref="FailuresLine"/> in a CSV.</summary>
    [Hidden]
    public IReadOnlyList<string> Failures { get; init; } = [];

    public string FailuresLine => CsvField.OneLine(string.Join("; ", Failures))!;

    public string? ProposalsPath { get; init; }

    public int? ExitCode { get; init; }

    public required string Reason { get; init; }

    public string? Approval { get; init; }

    public string? AuditId { get; init; }

    [Hidden]
    public string ResultText => RunbookText.Result(Ok
        ? $"submitted {Created} proposal(s): {string.Join(", ", ProposalIds)}"
        : $"nothing written (all-or-nothing): {string.Join("; ", Failures)}");
}

/// <summary>One proposal's result from mm_advisor_apply.py, as a key diff (PSTypeName MmOperator.ProposalApplication).</summary>
public sealed class ProposalApplication
{
    public const string TypeName = "MmOperator.ProposalApplication";

    public required string ProposalId { get; init; }

    public string? Market { get; init; }

    public string? Key { get; init; }

    public string? PreviousValue { get; init; }

    public string? NewValue { get; init; }

    /// <summary>applied, skipped or failed, as the script says.</summary>
    public required string Result { get; init; }

    public string? FailureReason { get; init; }

    public bool Changed => Result == "applied";

    public string? EnvBeforeHash { get; init; }

    public string? EnvAfterHash { get; init; }

    public string? Mode { get; init; }

    /// <summary>Hidden from Export-Csv, which would write a nested object: <see cref="NewStatusLine"/> is its facts as text.</summary>
    [Hidden]
    public MarketStatus? NewStatus { get; init; }

    public string? NewStatusLine => NewStatus is null ? null : RunbookText.StatusFacts(NewStatus);

    /// <summary>Why the submitter proposed it (the proposal's reason_note); <see cref="Reason"/> is the approver's.</summary>
    public string? ReasonNote { get; init; }

    public required string Reason { get; init; }

    public string? Approval { get; init; }

    public string? AuditId { get; init; }

    [Hidden]
    public string ResultText => RunbookText.Result(
        $"{ProposalId}: {Market} {Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)} [{Result}{(FailureReason is null ? string.Empty : ": " + FailureReason)}]");

    [Hidden]
    public string NewStatusText => RunbookText.NewStatus(RunbookText.StatusFacts(NewStatus));
}
