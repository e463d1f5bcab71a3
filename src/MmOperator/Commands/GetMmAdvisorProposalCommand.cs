using System.Management.Automation;
using MmOperator.Advisor;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists the pending advisor proposals with mm_advisor_apply.py --list-pending, after approval.</para>
/// The runbook puts every mm_advisor_apply.py command under approval, the listing included.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AdvisorProposal))]
public sealed class GetMmAdvisorProposalCommand : StateChangeCmdlet
{
    protected override void BeginProcessing() => Advisor.Prepare();

    protected override void EndProcessing() => Advisor.GetPending(Reason);
}
