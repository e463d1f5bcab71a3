using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Flow;
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
public sealed class GetMmAdvisorProposalCommand : StateChangeCmdlet
{
    private AdvisorFlow? _advisory;

    private AdvisorFlow Advisory => _advisory ??= new AdvisorFlow(Flow);

    protected override void BeginProcessing() => Advisory.Prepare();

    protected override void EndProcessing()
    {
        if (Flow.ValidReason(Reason, "advisor_list", null) is not { } reason)
        {
            return;
        }

        var command = HostCommand.AdvisorListPending(Session.Options);
        if (Flow.Approve("advisor_list", "pending proposals", reason, command.CommandLine, [command.CommandLine]) is not { } approval)
        {
            return;
        }

        Flow.RequireJournal();
        var pending = Advisory.ListPending();
        Flow.Record(new AuditRecord
        {
            Action = "advisor_list",
            Reason = reason,
            Approval = approval,
            Argv = command.Argv,
            Outcome = pending is null ? AuditOutcome.Failed : AuditOutcome.Succeeded,
            Detail = pending is null ? "no usable answer" : Session.Masker.Apply($"{pending.Count} pending: {string.Join(", ", pending.Select(p => p.ProposalId))}"),
        });
        foreach (var proposal in pending ?? [])
        {
            Session.WriteObject(proposal, AdvisorProposal.TypeName);
        }
    }
}
