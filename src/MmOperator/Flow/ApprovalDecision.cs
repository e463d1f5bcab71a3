using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Host;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Flow;

/// <summary>
/// A human's decision on an agent's approval request, on <see cref="RunbookFlow"/>: in a normal
/// (FullLanguage) session only and never from the agent's identity (see <see cref="CallerIdentity"/>),
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

    /// <summary>
    /// Decisions are never taken from a restricted session or by the agent (each refusal journalled); the
    /// journal must take them.
    /// </summary>
    /// <param name="reason">The reason as given, for the refusal's record.</param>
    public void Prepare(string? reason = null)
    {
        if (_flow.IsRestricted)
        {
            _flow.NewAttempt(Verb, null, reason).Refuse(new OperatorException(ErrorIds.FullLanguageRequired, ErrorCategory.PermissionDenied, "Approval requests are decided by a human in a normal PowerShell session, not from a restricted one."), Halt.Command);
        }

        try
        {
            _flow.Context.Caller.RefuseAgentDecision();
        }
        catch (OperatorException agent)
        {
            _flow.NewAttempt(Verb, null, reason).Refuse(agent, Halt.Command);
        }

        _flow.RequireJournal();
    }

    public void Decide(IEnumerable<string> ids, string reason)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var store = _flow.Context.Approvals;
        foreach (var id in ids)
        {
            if (_flow.ValidReason(reason, Verb, null) is not { } valid)
            {
                return;
            }

            var request = store.List().FirstOrDefault(r => r.Id == id);
            var attempt = _flow.NewAttempt(Verb, request?.Target, valid, request?.Key);
            if (request is null)
            {
                attempt.Refuse(new OperatorException(ErrorIds.ApprovalRequestNotFound, ErrorCategory.ObjectNotFound, $"There is no valid approval request '{VisibleText.QuoteName(id, ApprovalRequest.IdLength)}'. List them with Get-MmApprovalRequest.", id));
                continue;
            }

            var shown = $"Approval request {id}, expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC\n{request.Details}";
            if (!_flow.Ask(attempt, shown, $"{(_grants ? "Approve" : "Deny")} request {id}?", $"{Verb} {id}"))
            {
                continue;
            }

            var person = _flow.Context.Caller.Person(UserAccount.Current.Name);
            ApprovalRequest decided;
            try
            {
                decided = store.Decide(id, _grants, person);
            }
            catch (OperatorException refused)
            {
                attempt.Refuse(refused);
                continue;
            }

            attempt.Approve(Approval.Given(_flow.Context.DescribeApproval(), person));
            attempt.Succeed(record => record.Detail = $"{id}: {decided.State} ({request.Cmdlet}) {request.Plan}", _ => new Output(decided, ApprovalRequest.TypeName));
        }
    }
}
