using System.Text.Json;

namespace MmOperator.Advisor;

// The JSON the advisor scripts print, field for field (host contract).

/// <summary><c>mm_advisor_submit.py --input-jsonl &lt;path&gt; --json</c>; all-or-nothing.</summary>
public sealed class AdvisorSubmitResult
{
    public required bool Ok { get; init; }

    public required int Created { get; init; }

    public required int Written { get; init; }

    public required int Failed { get; init; }

    public required string ProposalsPath { get; init; }

    public required IReadOnlyList<string> ProposalIds { get; init; }

    public required IReadOnlyList<AdvisorLineFailure> Failures { get; init; }
}

public sealed class AdvisorLineFailure
{
    public required int Line { get; init; }

    public required string Error { get; init; }
}

/// <summary><c>mm_advisor_apply.py --list-pending --json</c>; each result carries a proposals row's own values, read as a <see cref="ProposalRecord"/>.</summary>
public sealed class AdvisorPendingList
{
    public required int Pending { get; init; }

    public required string Mode { get; init; }

    public required string ProposalsPath { get; init; }

    public required IReadOnlyList<JsonElement> Results { get; init; }
}

/// <summary><c>mm_advisor_apply.py --proposal-id &lt;id&gt; --approve --json</c> and <c>--mode warren-auto --approve --json</c>.</summary>
public sealed class AdvisorApplyResult
{
    public required int Selected { get; init; }

    public required int Applied { get; init; }

    public required int Failed { get; init; }

    public required int Skipped { get; init; }

    public required string Mode { get; init; }

    public required string AppliedBy { get; init; }

    public required bool DryRun { get; init; }

    public required IReadOnlyList<AdvisorApplyReceipt> Results { get; init; }

    public string? ProposalId { get; init; }

    public string? ProposalsPath { get; init; }

    /// <summary>Set when nothing was selected: proposal_id_not_found or proposal_not_pending.</summary>
    public string? Reason { get; init; }
}

public sealed class AdvisorApplyReceipt
{
    public required string ProposalId { get; init; }

    public string? AppliedBy { get; init; }

    public double? AppliedTs { get; init; }

    /// <summary>applied, skipped or failed.</summary>
    public required string Result { get; init; }

    public string? EnvBeforeHash { get; init; }

    public string? EnvAfterHash { get; init; }

    public string? FailureReason { get; init; }
}
