using MmOperator.Reporting;

namespace MmOperator.Tests.Flow;

/// <summary>A human's decision on an agent's request, on a fake host.</summary>
public sealed class ApprovalDecisionTests : IDisposable
{
    private readonly FakeFlowContext _host = new();

    public void Dispose() => _host.Dispose();

    private string FileRequest()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], "SEV1");
        _host.LanguageMode = PSLanguageMode.FullLanguage;
        _host.Errors.Clear();
        _host.CmdletName = "Approve-MmApprovalRequest";
        return Assert.Single(_host.Approvals.List()).Id;
    }

    [Fact]
    public void A_restricted_session_cannot_decide_and_the_refusal_is_journalled_once()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        var flow = new RunbookFlow(_host);

        var stopped = Assert.Throws<FlowTerminatedException>(() => new ApprovalDecision(flow, grants: true).Prepare("let me"));
        flow.RecordRefusals();

        Assert.Equal(ErrorIds.FullLanguageRequired, stopped.Record.FullyQualifiedErrorId);
        var record = Assert.Single(_host.Journalled);
        Assert.Equal(("approval_grant", AuditOutcome.Refused, ErrorIds.FullLanguageRequired, "let me"), (record.Action, record.Outcome, record.ErrorId, record.Reason));
    }

    [Fact]
    public void The_agents_identity_cannot_decide_and_the_refusal_is_journalled_once()
    {
        _host.Caller = new CallerIdentity(name => name == CallerIdentity.MarkerVariable ? "ssh" : null, new Dictionary<string, string>());
        _host.CmdletName = "Deny-MmApprovalRequest";
        var flow = new RunbookFlow(_host);

        var stopped = Assert.Throws<FlowTerminatedException>(() => new ApprovalDecision(flow, grants: false).Prepare("mine"));
        flow.RecordRefusals();

        Assert.Equal(ErrorIds.AgentDecisionRefused, stopped.Record.FullyQualifiedErrorId);
        var record = Assert.Single(_host.Journalled);
        Assert.Equal(("Deny-MmApprovalRequest", "approval_deny", AuditOutcome.Refused, ErrorIds.AgentDecisionRefused), (record.Cmdlet, record.Action, record.Outcome, record.ErrorId));
    }

    [Fact]
    public void A_declined_decision_is_journalled_and_changes_nothing()
    {
        var id = FileRequest();
        var before = _host.Journalled.Count;
        _host.Answer = () => false;

        new ApprovalDecision(new RunbookFlow(_host), grants: true).Decide([id], "reviewed");

        var record = Assert.Single(_host.Journalled.Skip(before));
        Assert.Equal(("approval_grant", AuditOutcome.Declined, "ETH-USD", ApprovalMode.None), (record.Action, record.Outcome, record.Market, record.Approval));
        Assert.Equal(ApprovalState.Pending, Assert.Single(_host.Approvals.List()).State);
    }

    [Fact]
    public void A_grant_is_shown_with_the_plan_journalled_and_written()
    {
        var id = FileRequest();

        new ApprovalDecision(new RunbookFlow(_host), grants: true).Decide([id], "reviewed");

        Assert.Contains("stop eth --json", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal(ApprovalState.Approved, Assert.IsType<ApprovalRequest>(Assert.Single(_host.Output)).State);
        var record = _host.Journalled[^1];
        Assert.Equal(("approval_grant", AuditOutcome.Succeeded), (record.Action, record.Outcome));
        Assert.Equal((ApprovalMode.ConfirmFalse, MmOperator.Host.UserAccount.Current.Name), (record.Approval, record.ApprovedBy));
        Assert.InRange(record.ApprovedAt!.Value, record.Time.AddMinutes(-1), record.Time);
    }

    [Fact]
    public void The_prompt_shows_the_plan_first_every_bound_field_escaped_and_the_question_last()
    {
        var forged = "\nPlan:\n- Action(s): set MM_LOG_LEVEL\n\u001b[8m";
        var request = _host.Approvals.File(new ApprovalRequest
        {
            Cmdlet = "Submit-MmAdvisorProposal", Action = "advisor_submit", Target = "1 proposal(s)" + forged, Key = "MM_X" + forged,
            Values = ["{\"proposed\":\"1\u202e\"}"], Commands = ["/bin/python3 submit.py --proposals-file -"], Reason = "tune\\u{1B}",
            Plan = RunbookText.Plan("submit 1 proposal(s)" + forged, "tune\\u{1B}", needsApproval: true), Requester = "agent pid 7 (ConstrainedLanguage, via ssh" + forged + ")",
        }, TimeSpan.FromMinutes(5));
        _host.CmdletName = "Approve-MmApprovalRequest";
        _host.Answer = () => false;

        new ApprovalDecision(new RunbookFlow(_host), grants: true).Decide([request.Id], "reviewed");

        var shown = "\\u{0A}Plan:\\u{0A}- Action(s): set MM_LOG_LEVEL\\u{0A}\\u{1B}[8m";
        Assert.Equal(
            $"Approval request {request.Id}, expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC\n" +
            $"Plan:\n- Action(s): submit 1 proposal(s){shown}\n- Reason: tune\\\\u{{1B}}\nNeed approval: YES\n" +
            $"Bound by the ticket:\n- Cmdlet: Submit-MmAdvisorProposal\n- Action: advisor_submit\n- Target: 1 proposal(s){shown}\n- Key: MM_X{shown}\n" +
            "- Value: '{\"proposed\":\"1\\u{202E}\"}'\n- Command: /bin/python3 submit.py --proposals-file -\n- Reason: tune\\\\u{1B}\n" +
            $"Requested by: agent pid 7 (ConstrainedLanguage, via ssh{shown})\n\nApprove request {request.Id}?",
            Assert.Single(_host.Prompts));
        Assert.Equal(ApprovalState.Pending, Assert.Single(_host.Approvals.List()).State);
    }

    [Fact]
    public void An_unknown_request_is_refused_and_a_declined_one_left_pending()
    {
        var id = FileRequest();
        _host.Answer = () => false;

        new ApprovalDecision(new RunbookFlow(_host), grants: false).Decide(["apr-000000000000", id], "reviewed");

        Assert.Equal(ErrorIds.ApprovalRequestNotFound, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(ApprovalState.Pending, Assert.Single(_host.Approvals.List()).State);
        Assert.Empty(_host.Output);
    }

    [Fact]
    public void The_request_names_the_launchers_checked_identity_and_the_decision_the_person_behind_the_account()
    {
        _host.Caller = new CallerIdentity(name => name == CallerIdentity.MarkerVariable ? "sudo:mmagent\nPlan: set MM_LOG_LEVEL" : null, new Dictionary<string, string>());
        var id = FileRequest();
        _host.Caller = new CallerIdentity(name => name switch { "SUDO_USER" => "alice", "SUDO_UID" => "1000", _ => null }, new Dictionary<string, string>(), "1001");

        new ApprovalDecision(new RunbookFlow(_host), grants: true).Decide([id], "reviewed");

        var decided = Assert.IsType<ApprovalRequest>(Assert.Single(_host.Output));
        Assert.EndsWith("(ConstrainedLanguage, via unrecognised)", decided.Requester, StringComparison.Ordinal);
        Assert.Equal($"{MmOperator.Host.UserAccount.Current.Name} (sudo by alice, login uid 1001)", decided.DecidedBy);
    }
}
