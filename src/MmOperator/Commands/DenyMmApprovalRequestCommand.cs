using MmOperator.Approvals;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Denies an agent's approval request; the command it asked for can never use it.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Deny, "MmApprovalRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ApprovalRequest))]
public sealed class DenyMmApprovalRequestCommand : ApprovalDecisionCmdlet
{
    protected override bool Grants => false;
}
