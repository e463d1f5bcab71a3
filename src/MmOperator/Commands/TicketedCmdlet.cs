using System.Management.Automation;

namespace MmOperator.Commands;

/// <summary>The state-changing cmdlets an agent may run: in a restricted session they run only with a human's ticket.</summary>
public abstract class TicketedCmdlet : StateChangeCmdlet
{
    /// <summary>In a restricted session: approval tickets a human approved for exactly this command (Approve-MmApprovalRequest).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApprovalId { get; set; }

    protected override IReadOnlyList<string>? Tickets => ApprovalId;
}
