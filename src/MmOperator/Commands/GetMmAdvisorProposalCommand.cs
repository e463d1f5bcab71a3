using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Host;
using MmOperator.Reporting;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists the pending advisor proposals with mm_advisor_apply.py --list-pending, after approval.</para>
/// The runbook puts every mm_advisor_apply.py command under approval, the listing included.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AdvisorProposal))]
public sealed class GetMmAdvisorProposalCommand : AdvisorCmdlet
{
    protected override void EndProcessing()
    {
        if (ValidReason("advisor_list", null) is not { } reason)
        {
            return;
        }

        var command = HostCommand.AdvisorListPending(Options);
        if (Approve(new BoundAction { Action = "advisor_list", Target = "pending proposals", Commands = [command.CommandLine], Reason = reason, Plan = RunbookText.Plan(command.CommandLine, reason, needsApproval: true) }) is not { } approval)
        {
            return;
        }

        RequireJournal();
        var pending = ListPending();
        Record(new AuditRecord
        {
            Action = "advisor_list",
            Reason = reason,
            Approval = approval,
            Argv = command.Argv,
            Outcome = pending is null ? "Failed" : "Succeeded",
            Detail = pending is null ? "no usable answer" : Masker.Apply($"{pending.Count} pending: {string.Join(", ", pending.Select(p => p.ProposalId))}"),
        });
        foreach (var proposal in pending ?? [])
        {
            WriteTyped(proposal, AdvisorProposal.TypeName);
        }
    }
}
