using MmOperator.Approvals;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Approves an agent's approval request, so the same command can run once with -ApprovalId.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "MmApprovalRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ApprovalRequest))]
public sealed class ApproveMmApprovalRequestCommand : ApprovalDecisionCmdlet
{
    protected override bool Grants => true;
}
