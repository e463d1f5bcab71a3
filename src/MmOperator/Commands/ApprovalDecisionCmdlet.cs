using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Options;

namespace MmOperator.Commands;

/// <summary>
/// Approve- and Deny-MmApprovalRequest: a human's decision on an agent's request, in a normal
/// (FullLanguage) session only and never from the agent's identity (see <see cref="AgentSession"/>), shown with its full Plan and approved through ShouldProcess.
/// </summary>
public abstract class ApprovalDecisionCmdlet : StateChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    protected abstract bool Grants { get; }

    protected override void BeginProcessing()
    {
        RequireFullLanguage(this);
        try
        {
            AgentSession.Current.RefuseAgentDecision();
        }
        catch (OperatorException refused)
        {
            ThrowTerminatingError(refused.ToErrorRecord());
        }

        RequireJournal();
    }

    /// <summary>Decisions on approvals are never taken from a restricted session.</summary>
    internal static void RequireFullLanguage(StateChangeCmdlet cmdlet)
    {
        if (cmdlet.SessionState.LanguageMode != PSLanguageMode.FullLanguage)
        {
            cmdlet.ThrowTerminatingError(new OperatorException(ErrorIds.FullLanguageRequired, ErrorCategory.PermissionDenied, "Approval requests are decided by a human in a normal PowerShell session, not from a restricted one.").ToErrorRecord());
        }
    }

    protected override void ProcessRecord()
    {
        var store = new ApprovalStore(Options.ApprovalStorePath);
        var verb = Grants ? "approval_grant" : "approval_deny";
        foreach (var id in Id)
        {
            if (ValidReason(verb, null) is not { } reason)
            {
                return;
            }

            var request = store.List().FirstOrDefault(r => r.Id == id);
            if (request is null)
            {
                var missing = new OperatorException(ErrorIds.ApprovalRequestNotFound, ErrorCategory.ObjectNotFound, $"There is no valid approval request '{Markets.MarketCatalog.Printable(id)}'. List them with Get-MmApprovalRequest.", id);
                RecordRefusal(verb, null, reason, missing);
                WriteError(missing.ToErrorRecord());
                continue;
            }

            var question = $"{(Grants ? "Approve" : "Deny")} request {id} from {request.Requester} ({request.Cmdlet}):\n{request.Plan}";
            if (!ShouldProcess(question, question + "\n\nDecide it?", $"{(Grants ? "Approve" : "Deny")} {id}?"))
            {
                continue;
            }

            try
            {
                var decided = store.Decide(id, Grants, Environment.UserName);
                Record(new AuditRecord { Action = verb, Market = request.Target, Key = request.Key, Reason = reason, Approval = DescribeApproval(), Outcome = "Succeeded", Detail = $"{id}: {decided.State} ({request.Cmdlet}) {request.Plan}" });
                WriteTyped(decided, ApprovalRequest.TypeName);
            }
            catch (OperatorException refused)
            {
                RecordRefusal(verb, request.Target, reason, refused, request.Key);
                WriteError(refused.ToErrorRecord());
            }
        }
    }
}
