using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Flow;

/// <summary>
/// A human's decision on an agent's approval request, on <see cref="RunbookFlow"/>: in a normal
/// (FullLanguage) session only and never from the agent's identity (see <see cref="AgentSession"/>),
/// shown with its full Plan and every bound field, escaped, and approved through ShouldProcess. DecidedBy
/// records the account and the person behind it (sudo's invoking user, the login uid), as the session's import read them.
/// </summary>
public sealed class ApprovalDecision
{
    private readonly RunbookFlow _flow;
    private readonly bool _grants;

    public ApprovalDecision(RunbookFlow flow, bool grants)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
        _grants = grants;
    }

    public RunbookFlow Flow => _flow;

    private string Verb => _grants ? AuditActions.ApprovalGrant : AuditActions.ApprovalDeny;

    /// <summary>Decisions are never taken from a restricted session or by the agent; the journal must take them.</summary>
    public void Prepare()
    {
        if (_flow.IsRestricted)
        {
            _flow.Host.ThrowTerminatingError(new OperatorException(ErrorIds.FullLanguageRequired, ErrorCategory.PermissionDenied, "Approval requests are decided by a human in a normal PowerShell session, not from a restricted one.").ToErrorRecord());
        }

        _flow.Require(_ => _flow.Host.Caller.RefuseAgentDecision());
        _flow.RequireJournal();
    }

    public void Decide(IEnumerable<string> ids, string reason)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var store = _flow.Host.Approvals;
        foreach (var id in ids)
        {
            if (_flow.ValidReason(reason, Verb, null) is not { } valid)
            {
                return;
            }

            if (store.List().FirstOrDefault(r => r.Id == id) is not { } request)
            {
                _flow.Refuse(new OperatorException(ErrorIds.ApprovalRequestNotFound, ErrorCategory.ObjectNotFound, $"There is no valid approval request '{VisibleText.QuoteName(id, ApprovalRequest.IdLength)}'. List them with Get-MmApprovalRequest.", id), Verb, null, valid);
                continue;
            }

            var shown = $"Approval request {id}, expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC\n{request.Details}";
            if (!_flow.Host.ShouldProcess(shown, $"{shown}\n\n{(_grants ? "Approve" : "Deny")} request {id}?", RunbookFlow.ConfirmCaption))
            {
                continue;
            }

            try
            {
                var decided = store.Decide(id, _grants, _flow.Host.Caller.Person(UserAccount.Current.Name));
                _flow.Record(new AuditRecord { Action = Verb, Market = request.Target, Key = request.Key, Reason = valid, Approval = _flow.Host.DescribeApproval(), Outcome = AuditOutcome.Succeeded, Detail = $"{id}: {decided.State} ({request.Cmdlet}) {request.Plan}" });
                _flow.Host.WriteObject(decided, ApprovalRequest.TypeName);
            }
            catch (OperatorException refused)
            {
                _flow.Refuse(refused, Verb, request.Target, valid, request.Key);
            }
        }
    }
}
