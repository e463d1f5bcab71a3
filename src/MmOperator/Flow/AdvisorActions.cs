using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Markets;

namespace MmOperator.Flow;

/// <summary>
/// Get-MmAdvisorProposal, Approve-MmAdvisorProposal and Invoke-MmAdvisorAutoApply, on
/// <see cref="AdvisorFlow"/>: every mm_advisor_apply.py command under approval, the listing included.
/// In a restricted session the Plan is made from the host's files and the listing runs only under the
/// ticket, which covers it (shown in the Plan), so there -WhatIf shows the very Plan its ticket binds.
/// </summary>
public sealed class AdvisorActions
{
    private const string List = "advisor_list";
    private const string ApproveOne = "advisor_approve";
    private const string WarrenAutoAction = "advisor_warren_auto";

    private readonly AdvisorFlow _advisor;

    public AdvisorActions(AdvisorFlow advisor)
    {
        ArgumentNullException.ThrowIfNull(advisor);
        _advisor = advisor;
    }

    private RunbookFlow Flow => _advisor.Flow;

    private IFlowHost Host => Flow.Host;

    /// <summary>mmctl, python, the journal and the repo's policy must be there before anything is asked.</summary>
    public void Prepare() => _advisor.Prepare();

    /// <summary>The pending proposals, via the listing line, after approval.</summary>
    public void ListPending(string reason)
    {
        if (Flow.ValidReason(reason, List, null) is not { } valid)
        {
            return;
        }

        var command = HostCommand.AdvisorListPending(Flow.Options);
        if (Flow.Approve(List, "pending proposals", valid, command.CommandLine, [command.CommandLine]) is not { } approval)
        {
            return;
        }

        Flow.RequireJournal();
        var pending = _advisor.ListPending();
        Flow.Record(new AuditRecord
        {
            Action = List,
            Reason = valid,
            Approval = approval,
            Argv = command.Argv,
            Outcome = pending is null ? AuditOutcome.Failed : AuditOutcome.Succeeded,
            Detail = pending is null ? "no usable answer" : Host.Masker.Apply($"{pending.Count} pending: {string.Join(", ", pending.Select(p => p.ProposalId))}"),
        });
        foreach (var proposal in pending ?? [])
        {
            Host.WriteObject(proposal, AdvisorProposal.TypeName);
        }
    }

    /// <summary>
    /// Applies each id after its own approval, once it is found pending. A proposal the policy refuses
    /// never reaches the apply command; an unknown or no longer pending id is refused with the script's reason.
    /// </summary>
    public void Approve(IEnumerable<string> texts, string reason)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new List<ProposalId>();
        foreach (var text in texts.Distinct(StringComparer.Ordinal))
        {
            if (ProposalId.TryParse(text, out var id))
            {
                ids.Add(id!);
                continue;
            }

            Flow.Refuse(new OperatorException(ErrorIds.InvalidProposalId, ErrorCategory.InvalidArgument, $"'{MarketCatalog.Printable(text)}' is not a proposal id (letters, digits, '_', '.', ':', '-'). Nothing was applied.", text), ApproveOne, null, reason);
        }

        if (ids.Count == 0 || Flow.ValidReason(reason, ApproveOne, null) is not { } valid)
        {
            return;
        }

        if (Flow.IsWhatIf && !Flow.IsRestricted)
        {
            ids.ForEach(id => Flow.WritePlan(HostCommand.AdvisorApprove(Flow.Options, id).CommandLine, valid, needsApproval: true));
            return;
        }

        var pending = Flow.IsRestricted ? _advisor.ReadFilesUnlisted()?.Pending.Select(_advisor.ToProposal).ToList() : _advisor.ListPending();
        foreach (var id in pending is null ? [] : ids)
        {
            Apply(id, pending!.FirstOrDefault(p => p.ProposalId == id.Value), valid);
        }
    }

    private void Apply(ProposalId id, AdvisorProposal? proposal, string reason)
    {
        if ((proposal is null ? NotPending(id) : _advisor.PolicyRefusal(proposal)) is { } refusal)
        {
            Flow.Refuse(refusal, ApproveOne, proposal?.Market, reason, proposal?.Param);
            return;
        }

        var command = HostCommand.AdvisorApprove(Flow.Options, id);
        var line = _advisor.PlannedLine(command, $"{Host.Masker.Apply(proposal!.Change)} in {proposal.EnvPath}");
        if (Flow.Approve(ApproveOne, $"{id} ({proposal.Market} {proposal.Param})", reason, line, _advisor.PlannedCommands(command), proposal.Param) is not { } approval
            || !_advisor.ConfirmPlanned([proposal], files => files.Pending.Where(r => r.Id == id.Value), ApproveOne, reason, approval))
        {
            return;
        }

        Flow.RequireJournal();
        _advisor.ReportApplication(command, Host.RunHost(command), [proposal], ApproveOne, reason, approval);
    }

    /// <summary>The script's own two reasons for an id it would not select, told apart from its files (read only).</summary>
    private OperatorException NotPending(ProposalId id)
    {
        PendingProposals files;
        try
        {
            files = PendingProposals.Read(Flow.Options.RepoPath);
        }
        catch (OperatorException unreadable)
        {
            return Flow.MaskHostText(unreadable);
        }

        var why = files.Contains(id.Value) ? "proposal_not_pending" : "proposal_id_not_found";
        return new OperatorException(why == "proposal_not_pending" ? ErrorIds.ProposalNotPending : ErrorIds.ProposalNotFound, ErrorCategory.ObjectNotFound, $"Proposal {id} is not pending ({why}). Nothing was applied; list the pending ones with Get-MmAdvisorProposal.", id.Value);
    }

    /// <summary>
    /// warren-auto after approval of exactly the proposals it would apply, decided from the host's files
    /// by the script's own rule. If any of them is one the policy refuses, the whole run is refused: the
    /// allow-listed command cannot skip one.
    /// </summary>
    public void WarrenAuto(string reason)
    {
        if (Flow.ValidReason(reason, WarrenAutoAction, null) is not { } valid)
        {
            return;
        }

        var command = HostCommand.AdvisorWarrenAuto(Flow.Options);
        if (Flow.IsWhatIf && !Flow.IsRestricted)
        {
            Flow.WritePlan($"{command.CommandLine} (applies the pending proposals with deadman, high confidence, escalation target warren and a passed guardrail; they are listed when approval is asked)", valid, needsApproval: true);
            return;
        }

        if ((Flow.IsRestricted ? _advisor.ReadFilesUnlisted() : _advisor.ReadPendingFiles()) is not { } files)
        {
            return;
        }

        var planned = files.WarrenAuto().Select(_advisor.ToProposal).ToList();
        if (planned.Select(p => (Proposal: p, Refusal: _advisor.PolicyRefusal(p))).FirstOrDefault(x => x.Refusal is not null) is ({ } refused, { } refusal))
        {
            Flow.Refuse(new OperatorException(refusal.ErrorId, refusal.Category, $"{refusal.Message} warren-auto would apply it with the others, so nothing is run.", refused, refusal), WarrenAutoAction, refused.Market, valid, refused.Param, terminating: true);
        }

        if (planned.Count == 0)
        {
            Host.WriteWarning("No pending proposal is eligible for warren-auto (deadman, high confidence, escalation target warren, guardrail passed, not rejected). Nothing was run.");
            if (!Flow.IsWhatIf)
            {
                Flow.Record(new AuditRecord { Action = WarrenAutoAction, Reason = valid, Approval = ApprovalMode.None, Outcome = AuditOutcome.NoChange, Detail = "nothing eligible; not run" });
            }

            return;
        }

        var list = string.Join("; ", planned.Select(p => $"{p.ProposalId}: {Host.Masker.Apply(p.Change)} in {Path.GetFileName(p.EnvPath)}"));
        if (Flow.Approve(WarrenAutoAction, $"{planned.Count} proposal(s)", valid, _advisor.PlannedLine(command, $"applies {planned.Count}, in this order: {list}"), _advisor.PlannedCommands(command)) is not { } approval
            || !_advisor.ConfirmPlanned(planned, pending => pending.WarrenAuto(), WarrenAutoAction, valid, approval))
        {
            return;
        }

        Flow.RequireJournal();
        _advisor.ReportApplication(command, Host.RunHost(command), planned, WarrenAutoAction, valid, approval);
    }
}
