using MmOperator.Approvals;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists the approval requests agents filed from the restricted session, with their full plans.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmApprovalRequest")]
[OutputType(typeof(ApprovalRequest))]
public sealed class GetMmApprovalRequestCommand : OperatorCmdlet
{
    /// <summary>Only these ids.</summary>
    [Parameter(Position = 0)]
    public string[]? Id { get; set; }

    /// <summary>Only requests in these states (Pending, Approved, Denied, Used).</summary>
    [Parameter]
    public ApprovalState[]? State { get; set; }

    protected override void EndProcessing()
    {
        var filed = new ApprovalStore(Options.ApprovalStorePath).List().ToList();
        var shown = filed
            .Where(r => Id is null || Id.Contains(r.Id, StringComparer.Ordinal))
            .Where(r => State is null || State.Contains(r.State))
            .ToList();
        foreach (var request in shown)
        {
            WriteTyped(request, ApprovalRequest.TypeName);
        }

        if (shown.Count == 0)
        {
            Context.WriteHostText(filed.Count == 0 ? "No approval request is filed: nothing is pending." : $"No approval request matches; {filed.Count} are filed (Get-MmApprovalRequest without filters lists them).");
        }
    }
}
