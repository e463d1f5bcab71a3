using System.Management.Automation.Host;

namespace MmOperator.Tests.Flow;

/// <summary>Several markets in one command are one question that lists each command line: Yes to all, No, or per market.</summary>
public sealed class BatchApprovalTests : IDisposable
{
    private const string Reason = "SEV1: drawdown limit breached";
    private static readonly Market[] Four = [Market.Parse("eth"), Market.Parse("btc"), Market.Parse("sol"), Market.Parse("doge")];
    private readonly FakeFlowContext _host = new("btc", "sol", "doge") { Approval = ApprovalMode.Prompted, CmdletName = "Stop-MmMarket" };

    public BatchApprovalTests() =>
        _host.Run = command => FakeFlowContext.Answered(command, command.Shape == HostCommandShape.MmctlStatusMarket
            ? $$"""{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_{{command.Market!.Slug}}", "status": "stopped", "pid": null, "market": null, "env": null}]}"""
            : """{"status": "stopped", "pid": 4242}""");

    public void Dispose() => _host.Dispose();

    private string Stop(string slug) => $"{_host.Options.MmctlPath} stop {slug} --json";

    private string Plan => $"Plan:\n- Action(s):\n  1. {Stop("eth")}\n  2. {Stop("btc")}\n  3. {Stop("sol")}\n  4. {Stop("doge")}\n- Reason: {Reason}\nNeed approval: YES";

    private void StopFour() => new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Four, Reason);

    private List<string?> Stopped => _host.Ran.Where(c => c.Shape != HostCommandShape.MmctlStatusMarket).Select(c => c.Market?.Slug).Order().ToList();

    [Fact]
    public void Four_markets_are_one_question_that_lists_each_stop_command()
    {
        _host.Choices.Enqueue(0);

        StopFour();

        var (query, labels) = Assert.Single(_host.Questions);
        Assert.Equal($"{Plan}\n\nApprove: stop 4 markets (ETH-USD, BTC-USD, SOL-USD, DOGE-USD)?", query);
        Assert.Equal(["&Yes to all", "&No", "&Per market"], labels);
        Assert.Equal(["btc", "doge", "eth", "sol"], Stopped);
        Assert.All(_host.Ended, r => Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted), (r.Outcome, r.Approval)));
        Assert.Equal(4, _host.Ended.Count);
    }

    [Fact]
    public void Per_market_asks_one_short_question_each_and_runs_only_the_approved()
    {
        foreach (var answer in new[] { PromptChoice.PerMarket, 0, PromptChoice.No, 0, PromptChoice.No })
        {
            _host.Choices.Enqueue(answer);
        }

        StopFour();

        Assert.Equal([$"1 of 4: {Stop("eth")}?", $"2 of 4: {Stop("btc")}?", $"3 of 4: {Stop("sol")}?", $"4 of 4: {Stop("doge")}?"], _host.Questions.Skip(1).Select(q => q.Query));
        Assert.All(_host.Questions.Skip(1), q => Assert.Equal(["&Yes", "&No"], q.Labels));
        Assert.Equal(["eth", "sol"], Stopped);
        var journal = _host.Ended.ToDictionary(r => r.Market!);
        Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted), (journal["ETH-USD"].Outcome, journal["ETH-USD"].Approval));
        Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted), (journal["SOL-USD"].Outcome, journal["SOL-USD"].Approval));
        Assert.Equal((AuditOutcome.Declined, "not approved at the prompt (No to 2 of 4)"), (journal["BTC-USD"].Outcome, journal["BTC-USD"].Detail));
        Assert.Equal((AuditOutcome.Declined, "not approved at the prompt (No to 4 of 4)"), (journal["DOGE-USD"].Outcome, journal["DOGE-USD"].Detail));
    }

    [Fact]
    public void No_runs_nothing_and_journals_each_market_declined()
    {
        _host.Choices.Enqueue(PromptChoice.No);

        StopFour();

        Assert.Empty(_host.Ran);
        Assert.All(_host.Journalled, r => Assert.Equal((AuditOutcome.Declined, "not approved at the prompt (No to all 4)"), (r.Outcome, r.Detail)));
        Assert.Equal(4, _host.Journalled.Count);
    }

    [Fact]
    public void A_script_approving_with_Confirm_false_is_asked_once_for_the_batch()
    {
        _host.Approval = ApprovalMode.ConfirmFalse;

        StopFour();

        Assert.Equal($"{Plan}\n\nApprove: stop 4 markets (ETH-USD, BTC-USD, SOL-USD, DOGE-USD)?", Assert.Single(_host.Prompts));
        Assert.Empty(_host.Questions);
        Assert.All(_host.Journalled, r => Assert.Equal(ApprovalMode.ConfirmFalse, r.Approval));
        Assert.Equal(4, Stopped.Count);
    }

    [Fact]
    public void WhatIf_prints_the_batch_as_one_Plan_and_runs_and_journals_nothing()
    {
        _host.IsWhatIf = true;

        StopFour();

        Assert.Equal(Plan, Assert.Single(_host.HostText));
        Assert.Empty(_host.Questions);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void Input_that_is_not_a_person_refuses_every_market_and_ends_the_script()
    {
        _host.NoPerson = new HostException("its input is redirected from a pipe or a file, so an answer would come from there, not from a person");

        var stopped = Assert.Throws<FlowTerminatedException>(StopFour);

        Assert.True(_host.EndedScript);
        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, stopped.Record.CategoryInfo.Category);
        Assert.Contains("not from a person", stopped.Record.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Run it at a terminal, or approve explicitly with -Confirm:$false in a script", stopped.Record.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
        // A command's refusals are one record (a flood of them must not fill the journal), naming each market.
        var record = Assert.Single(_host.Journalled);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.ApprovalRequired, ApprovalMode.None), (record.Outcome, record.ErrorId, record.Approval));
        Assert.StartsWith("4 attempts of this command were refused (ApprovalRequired x4), for ETH-USD, BTC-USD, SOL-USD, DOGE-USD; the first: ", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void One_market_that_cannot_be_asked_ends_the_script_too()
    {
        _host.Answer = () => throw new PSInvalidOperationException("the session is -NonInteractive");

        Assert.Throws<FlowTerminatedException>(() => new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason));

        Assert.True(_host.EndedScript);
        Assert.Equal(AuditOutcome.Refused, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void A_playbook_step_over_two_markets_is_one_question()
    {
        _host.Choices.Enqueue(0);

        PlaybookRun.Run(new RunbookFlow(_host), MmOperator.Runbook.Playbooks.Find("Sev1SafetyBreach")!, [Market.Parse("eth"), Market.Parse("btc")], Reason);

        Assert.StartsWith($"Plan:\n- Action(s):\n  1. {Stop("eth")}\n  2. {Stop("btc")}\n", Assert.Single(_host.Questions).Query, StringComparison.Ordinal);
        Assert.Equal(["btc", "eth"], Stopped);
    }

    [Fact]
    public void A_person_who_answers_Yes_to_all_by_its_label_runs_every_market()
    {
        _host.Person("Yes to all");

        StopFour();

        Assert.Equal(["btc", "doge", "eth", "sol"], Stopped);
        Assert.Equal(0, _host.Unanswered);
        Assert.All(_host.Ended, r => Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted), (r.Outcome, r.Approval)));
    }

    [Fact]
    public void Input_that_ends_between_the_per_market_questions_ends_the_script_and_runs_nothing()
    {
        _host.Person("Per market", "Yes", FakeFlowContext.EndOfInput);

        var stopped = Assert.Throws<FlowTerminatedException>(StopFour);

        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.True(_host.EndedScript);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Errors);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.ApprovalRequired), (Assert.Single(_host.Ended).Outcome, _host.Ended[0].ErrorId));
        Assert.Contains("4 attempts of this command were", _host.Ended[0].Detail, StringComparison.Ordinal);
    }
}
