using System.Text.Json;

namespace MmOperator.Tests.Flow;

/// <summary>One attempt per target: each ending journals it and tells the caller once, and approval is a record with its time.</summary>
public sealed class AttemptTests : IDisposable
{
    private const string Reason = "attempt tests";
    private const string StatusStopped = """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "stopped", "pid": null, "market": "ETH-USD", "env": "/r/.env.eth"}]}""";
    private readonly FakeFlowContext _host = new();

    /// <summary>mmctl stops eth, and then reports it stopped.</summary>
    public AttemptTests() => _host.Run = command => FakeFlowContext.Answered(command, command.Shape == MmOperator.Host.HostCommandShape.MmctlStop ? """{"status": "stopped", "pid": 8593}""" : StatusStopped);

    public void Dispose() => _host.Dispose();

    private static OperatorException Problem(string id = ErrorIds.HostCommandFailed) => new(id, ErrorCategory.InvalidResult, "it went wrong", "eth");

    public static TheoryData<string> Endings => ["refuse", "decline", "pending", "fail", "succeed", "no change"];

    /// <summary>Ends an approved, intended attempt one way (refusals and declines come before approval, as in the flows).</summary>
    private static void End(Attempt attempt, string how)
    {
        switch (how)
        {
            case "refuse": attempt.Refuse(Problem(ErrorIds.UnknownMarket)); break;
            case "decline": attempt.Decline("not approved at the prompt", "Not approved.", warn: true); break;
            case "pending": attempt.Pending(Problem(ErrorIds.ApprovalPending), "approval request filed"); break;
            case "fail": attempt.Fail(Problem(), result: id => new Output(id ?? "none", "x")); break;
            case "succeed": attempt.Succeed(result: id => new Output(id ?? "none", "x")); break;
            default: attempt.NoChange(result: id => new Output(id ?? "none", "x")); break;
        }
    }

    private static Attempt Approved(RunbookFlow flow)
    {
        var attempt = flow.NewAttempt("set", "ETH-USD", Reason, "MM_SPREAD_MULTIPLIER");
        Assert.True(flow.Approve(attempt, "MM_SPREAD_MULTIPLIER in .env.eth", "set MM_SPREAD_MULTIPLIER", []));
        Assert.True(attempt.Intend(null));
        return attempt;
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void Each_ending_journals_once_and_tells_the_caller_once_and_a_second_ending_throws(string how)
    {
        var flow = new RunbookFlow(_host);
        var attempt = how is "refuse" or "decline" or "pending" ? flow.NewAttempt("set", "ETH-USD", Reason, "MM_SPREAD_MULTIPLIER") : Approved(flow);

        End(attempt, how);
        flow.RecordRefusals();
        var again = Record.Exception(() => End(attempt, how));
        var other = Record.Exception(() => End(attempt, how == "succeed" ? "fail" : "succeed"));
        flow.RecordRefusals();

        Assert.IsType<InvalidOperationException>(again);
        Assert.IsType<InvalidOperationException>(other);
        var record = Assert.Single(_host.Ended);
        Assert.Equal((flow.BatchId, "set", "ETH-USD", "MM_SPREAD_MULTIPLIER", Reason), (record.Batch, record.Action, record.Market, record.Key, record.Reason));
        Assert.Equal(attempt.Outcome, record.Outcome);
        var told = _host.Errors.Count + _host.Output.Count + _host.Warnings.Count;
        Assert.Equal(how == "fail" ? 2 : 1, told);
        if (attempt.IntentId is { } intent)
        {
            Assert.Equal(intent, record.Attempt);
            Assert.Equal(record.Id, _host.Output.Single());
        }
    }

    [Fact]
    public void An_attempt_is_told_only_once_it_has_ended_and_intended_only_once_approved()
    {
        var attempt = new RunbookFlow(_host).NewAttempt("stop", "ETH-USD", Reason);

        Assert.Throws<InvalidOperationException>(() => attempt.Tell(null));
        Assert.Throws<InvalidOperationException>(() => attempt.Intend(["mmctl", "stop", "eth"]));
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void A_prompted_approval_is_recorded_with_who_gave_it_and_when_beside_when_the_action_ended()
    {
        _host.Approval = ApprovalMode.Prompted;
        var before = DateTime.UtcNow;

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        var after = DateTime.UtcNow;
        var (intent, ended) = (_host.Journalled[0], _host.Journalled[^1]);
        Assert.Equal((AuditOutcome.Intended, "Prompted"), (intent.Outcome, intent.Approval));
        Assert.Equal(intent.ApprovedAt, ended.ApprovedAt);
        Assert.InRange(ended.ApprovedAt!.Value, before, intent.Time);
        Assert.InRange(ended.Time, intent.Time, after);
        Assert.Equal(MmOperator.Host.UserAccount.Current.Name, ended.ApprovedBy);
        Assert.Contains("\"approved_at\":", File.ReadAllLines(_host.Options.AuditLogPath)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_and_a_decline_carry_no_approval_time()
    {
        _host.Answer = () => false;
        var flow = new RunbookFlow(_host);

        flow.ApproveAndRun(MarketAction.Stop, [Market.Parse("eth"), Market.Parse("nope")], Reason);
        flow.RecordRefusals();

        Assert.Equal([AuditOutcome.Refused, AuditOutcome.Declined], _host.Journalled.Select(r => r.Outcome).Order());
        Assert.All(_host.Journalled, r => Assert.Equal((ApprovalMode.None, (DateTime?)null, (string?)null), (r.Approval, r.ApprovedAt, r.ApprovedBy)));
        Assert.All(File.ReadAllLines(_host.Options.AuditLogPath), line => Assert.DoesNotContain("approved_", line, StringComparison.Ordinal));
    }

    [Fact]
    public void A_ticket_is_approved_when_the_human_decided_it_and_by_that_human()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);
        var request = Assert.Single(_host.Approvals.List());
        var decided = _host.Approvals.Decide(request.Id, approve: true, "alice");

        new RunbookFlow(_host, [request.Id]).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        var ended = _host.Ended[^1];
        Assert.Equal(($"Ticket {request.Id}", "alice", decided.DecidedAt), (ended.Approval, ended.ApprovedBy, ended.ApprovedAt));
        Assert.True(ended.ApprovedAt < ended.Time);
    }

    [Fact]
    public void The_approval_text_is_the_journals_as_before()
    {
        var at = DateTime.UtcNow;

        Assert.Equal("ConfirmFalse", new Approval(ApprovalMode.ConfirmFalse, "ops", at).ToString());
        Assert.Equal("Prompted+Retyped", new Approval(ApprovalMode.Prompted, "ops", at).Confirmed(ApprovalMode.WithRetype).ToString());
        Assert.Equal("ConfirmFalse+Force", new Approval(ApprovalMode.ConfirmFalse, "ops", at).Confirmed(ApprovalMode.WithForce).ToString());
        Assert.Equal("Ticket apr-0123456789ab", Approval.OfTicket(new ApprovalRequest { Id = "apr-0123456789ab", DecidedBy = "alice", DecidedAt = at }).ToString());
    }

    [Fact]
    public void A_record_without_an_approval_time_reads_and_verifies_as_before()
    {
        var flow = new RunbookFlow(_host);
        flow.NewAttempt("stop", "ETH-USD", Reason).Refuse(Problem(ErrorIds.UnknownMarket));
        flow.RecordRefusals();
        var attempt = Approved(flow);
        attempt.Succeed();

        var lines = File.ReadAllLines(_host.Options.AuditLogPath);
        Assert.False(JsonDocument.Parse(lines[0]).RootElement.TryGetProperty("approved_at", out _));
        Assert.True(JsonDocument.Parse(lines[^1]).RootElement.TryGetProperty("approved_at", out _));
        Assert.True(_host.Journal.Verify().IsValid);
    }
}
