using System.Management.Automation;
using System.Text.Json;
using MmOperator.Advisor;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// What the four advisor cmdlets share: the bot's python must be there, the repo's policy, the
/// pending list read through the allow-listed listing line, results read as the contract says (exit
/// 1 with a JSON summary is a reported failure, not a crash), and reports as key diffs.
/// </summary>
public abstract class AdvisorCmdlet : TicketedCmdlet
{
    private RepoPolicy? _policy;

    protected RepoPolicy Policy => _policy ??= RepoPolicy.Load(Options.RepoPath);

    protected override void BeginProcessing()
    {
        PrepareStateChange();
        Require(HostPreconditions.RequirePython);
        try
        {
            _ = Policy;
        }
        catch (OperatorException unreadable)
        {
            ThrowTerminatingError(unreadable.ToErrorRecord());
        }
    }

    /// <summary>The pending proposals, via <c>mm_advisor_apply.py --list-pending --json</c>; null after an error.</summary>
    protected IReadOnlyList<AdvisorProposal>? ListPending()
    {
        try
        {
            return HostResultReader.Read<AdvisorPendingList>(RunHost(HostCommand.AdvisorListPending(Options))).Results.Select(ToProposal).ToList();
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
            return null;
        }
    }

    protected AdvisorProposal ToProposal(AdvisorPendingProposal p) => new()
    {
        ProposalId = p.ProposalId,
        Market = p.Market,
        Param = p.Param,
        Old = p.Old,
        Proposed = p.Proposed,
        Deadman = p.Deadman ?? false,
        Confidence = p.Confidence,
        EscalationTarget = p.EscalationTarget,
        GuardrailStatus = p.GuardrailStatus,
        Created = p.Ts is { } ts ? DateTime.UnixEpoch.AddSeconds(ts) : null,
        IsProtected = p.Param is not null && EnvKeyPolicy.IsProtected(p.Param, Policy.ProtectedKeys),
    };

    /// <summary>A protected or secret-like proposal is refused before any apply command runs.</summary>
    protected static OperatorException ProtectedProposal(AdvisorProposal proposal) => new(
        ErrorIds.ProtectedKey,
        ErrorCategory.PermissionDenied,
        $"protected_key: proposal {proposal.ProposalId} would change {MarketCatalog.Printable(proposal.Param ?? string.Empty)}, a protected or secret-like key. It is not applied; credentials changes go to a human.",
        proposal.ProposalId);

    /// <summary>Reports each receipt of an apply run as a key diff with the new status of its market.</summary>
    protected void ReportApplication(HostCommand command, HostRunResult run, IReadOnlyList<AdvisorProposal> planned, string action, string reason, string approval)
    {
        AdvisorApplyResult result;
        try
        {
            result = HostResultReader.Read<AdvisorApplyResult>(run);
        }
        catch (HostCommandException failure)
        {
            Record(new AuditRecord { Action = action, Reason = reason, Approval = approval, Argv = command.Argv, ExitCode = run.ExitCode, Outcome = "Failed", ErrorId = failure.ErrorId, Detail = failure.Message, Result = HostResultReader.ReadObjectOrNull(run) });
            WriteError(failure.ToErrorRecord());
            return;
        }

        if (result.Selected == 0 && result.Reason is { } notSelected)
        {
            var id = notSelected == "proposal_not_pending" ? ErrorIds.ProposalNotPending : ErrorIds.ProposalNotFound;
            var refusal = new OperatorException(id, ErrorCategory.ObjectNotFound, $"{result.ProposalId}: the apply script selected nothing ({notSelected}). Nothing was applied.", result.ProposalId);
            Record(new AuditRecord { Action = action, Reason = reason, Approval = approval, Argv = command.Argv, ExitCode = run.ExitCode, Outcome = "Failed", ErrorId = id, Detail = refusal.Message, Result = HostResultReader.ReadObjectOrNull(run) });
            WriteError(refusal.ToErrorRecord());
            return;
        }

        foreach (var receipt in result.Results)
        {
            var proposal = planned.FirstOrDefault(p => p.ProposalId == receipt.ProposalId);
            var entry = MarketOf(proposal);
            var status = receipt.Result == "applied" && RefreshStatus(entry) is [var first, ..] ? first : null;
            var failed = receipt.Result == "failed";
            var record = Record(new AuditRecord
            {
                Action = action,
                Market = proposal?.Market,
                Key = proposal?.Param,
                Reason = reason,
                Approval = approval,
                Argv = command.Argv,
                ExitCode = run.ExitCode,
                Outcome = receipt.Result switch { "applied" => "Succeeded", "skipped" => "NoChange", _ => "Failed" },
                ErrorId = failed ? ErrorIds.AdvisorApplyFailed : null,
                Detail = $"{receipt.ProposalId}: {receipt.Result}{(receipt.FailureReason is null ? string.Empty : " (" + receipt.FailureReason + ")")}; sha256 {receipt.EnvBeforeHash} -> {receipt.EnvAfterHash}",
                Result = JsonSerializer.SerializeToElement(receipt, HostResultReader.Json),
                Before = proposal?.IsProtected == false ? proposal.Old : null,
                After = proposal?.IsProtected == false ? proposal.Proposed : null,
                NewStatus = status is null ? null : RunbookText.StatusFacts(status),
            });
            var application = new ProposalApplication
            {
                ProposalId = receipt.ProposalId,
                Market = proposal?.Market,
                Key = proposal?.Param,
                PreviousValue = Masker.Apply(proposal?.Old),
                NewValue = Masker.Apply(proposal?.Proposed),
                Result = receipt.Result,
                FailureReason = receipt.FailureReason,
                EnvBeforeHash = receipt.EnvBeforeHash,
                EnvAfterHash = receipt.EnvAfterHash,
                Mode = result.Mode,
                NewStatus = status,
                Reason = reason,
                Approval = approval,
                AuditId = record?.Id,
            };
            WriteTyped(application, ProposalApplication.TypeName);
            if (failed)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"Proposal {receipt.ProposalId} was not applied: {receipt.FailureReason}."), ErrorIds.AdvisorApplyFailed, ErrorCategory.InvalidResult, application));
            }

            if (proposal is null)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"The apply script handled proposal {receipt.ProposalId}, which was not in the approved plan."), ErrorIds.AutoApplyUnplanned, ErrorCategory.SecurityError, application));
            }
        }
    }

    /// <summary>The catalog entry of a proposal's market (its symbol), or null for "every instance".</summary>
    private MarketEntry? MarketOf(AdvisorProposal? proposal)
    {
        try
        {
            return proposal?.Market is { } symbol ? Catalog.Resolve(Market.Parse(symbol)) : null;
        }
        catch (OperatorException)
        {
            return null;
        }
    }
}
