using System.Collections;
using MmOperator.Fleet;
using MmOperator.Tests.Flow;

namespace MmOperator.Tests.Fleet;

/// <summary>The remote side of a fleet's state change: its plan, its hash, and the person's approval it runs under.</summary>
public sealed class FleetApprovalTests : IDisposable
{
    private const string Reason = "SEV1 on the desk";
    private static readonly Market[] EthAndBtc = [Market.Parse("eth"), Market.Parse("btc")];
    private readonly FakeFlowContext _host = new("btc") { CmdletName = "Stop-MmMarket" };

    public FleetApprovalTests() =>
        _host.Run = command => FakeFlowContext.Answered(command, command.Shape is HostCommandShape.MmctlStatusAll or HostCommandShape.MmctlStatusMarket
            ? """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "stopped", "pid": null, "market": null, "env": null}]}"""
            : """{"status": "stopped", "pid": 4242}""");

    public void Dispose() => _host.Dispose();

    private static FleetApprovalSource Source(bool planOnly = false, string? hash = null) =>
        FleetApprovalSource.From(new FleetChangeParameters { FleetPlanOnly = planOnly, FleetApproval = hash is null ? null : new FleetApproval("alice", "ws1:pts/3", new DateTime(2026, 12, 4, 18, 0, 0, DateTimeKind.Utc), ApprovalMode.Prompted, hash).ToHashtable() }, isRestricted: false, isAgent: false, remoteSession: true)!;

    private FleetPlan PlanOnly()
    {
        new RunbookFlow(_host) { Fleet = Source(planOnly: true) }.ApproveAndRun(MarketAction.Stop, EthAndBtc, Reason);
        return Assert.IsType<FleetPlan>(Assert.Single(_host.Output));
    }

    private List<HostCommand> Stops => _host.Ran.Where(c => c.Shape == HostCommandShape.MmctlStop).ToList();

    [Fact]
    public void Plan_only_writes_the_hosts_commands_and_hash_and_runs_and_journals_nothing()
    {
        var plan = PlanOnly();

        Assert.Equal([$"{_host.Options.MmctlPath} stop eth --json", $"{_host.Options.MmctlPath} stop btc --json"], plan.Commands);
        Assert.Matches("^[0-9a-f]{64}$", plan.PlanHash);
        Assert.Contains($"- Reason: {Reason}", plan.Plan, StringComparison.Ordinal);
        Assert.Empty(Stops);
        Assert.Empty(_host.Journalled);
        Assert.Empty(_host.Prompts);
    }

    [Fact]
    public void The_approved_plan_runs_and_each_record_names_the_persons_approval_not_a_scripts()
    {
        var hash = PlanOnly().PlanHash;
        _host.Output.Clear();

        new RunbookFlow(_host) { Fleet = Source(hash: hash) }.ApproveAndRun(MarketAction.Stop, EthAndBtc, Reason);

        Assert.Equal(2, Stops.Count);
        Assert.Empty(_host.Questions);
        Assert.Equal(4, _host.Journalled.Count);
        Assert.All(_host.Journalled, r => Assert.Equal($"Fleet alice@ws1:pts/3 plan sha256:{hash} (Prompted at 2026-12-04 18:00:00Z)", r.Approval));
    }

    [Fact]
    public void A_plan_whose_env_file_changed_after_its_approval_is_refused_and_nothing_runs()
    {
        var hash = PlanOnly().PlanHash;
        File.AppendAllText(Path.Combine(_host.RepoPath, ".env.btc"), "MM_SPREAD_MULTIPLIER=9\n");

        new RunbookFlow(_host) { Fleet = Source(hash: hash) }.ApproveAndRun(MarketAction.Stop, EthAndBtc, Reason);

        Assert.Empty(Stops);
        var error = Assert.Single(_host.Errors);
        Assert.Equal(ErrorIds.FleetPlanChanged, error.FullyQualifiedErrorId);
        var refused = Assert.Single(_host.Journalled);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.FleetPlanChanged), (refused.Outcome, refused.ErrorId));
    }

    [Fact]
    public void A_plan_whose_market_changed_state_after_its_approval_is_refused()
    {
        var hash = PlanOnly().PlanHash;
        _host.Run = command => FakeFlowContext.Answered(command, """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": 4343, "market": "ETH-USD", "env": "testnet"}]}""");

        new RunbookFlow(_host) { Fleet = Source(hash: hash) }.ApproveAndRun(MarketAction.Stop, EthAndBtc, Reason);

        Assert.Empty(Stops);
        Assert.Equal(ErrorIds.FleetPlanChanged, Assert.Single(_host.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_playbooks_plan_lists_what_needs_approval_and_its_status_step_shows_nothing_yet()
    {
        PlaybookRun.Run(new RunbookFlow(_host) { Fleet = Source(planOnly: true) }, MmOperator.Runbook.Playbooks.Find("RecoveryAfterIncident")!, EthAndBtc, Reason);

        Assert.Empty(_host.HostText);
        var plan = Assert.IsType<FleetPlan>(Assert.Single(_host.Output));
        Assert.Equal([$"{_host.Options.MmctlPath} start eth --json", $"{_host.Options.MmctlPath} start btc --json"], plan.Commands);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, false)]
    public void The_approval_is_refused_in_the_agents_session_and_outside_a_remote_one(bool restricted, bool agent, bool remote)
    {
        var given = new FleetChangeParameters { FleetApproval = new FleetApproval("alice", "ws1", DateTime.UtcNow, ApprovalMode.Prompted, new string('a', 64)).ToHashtable() };

        var refused = Assert.Throws<OperatorException>(() => FleetApprovalSource.From(given, restricted, agent, remote));

        Assert.Equal((ErrorIds.FleetApprovalRefused, ErrorCategory.PermissionDenied), (refused.ErrorId, refused.Category));
    }

    [Theory]
    [InlineData("PlanHash", "ABC")]
    [InlineData("User", "alice bob")]
    [InlineData("Console", "ws1\nApproval: Prompted")]
    [InlineData("Time", "yesterday")]
    public void A_malformed_approval_is_refused(string field, string value)
    {
        var received = new FleetApproval("alice", "ws1", DateTime.UtcNow, ApprovalMode.Prompted, new string('a', 64)).ToHashtable();
        received[field] = value;

        var refused = Assert.Throws<OperatorException>(() => FleetApprovalSource.From(new FleetChangeParameters { FleetApproval = received }, false, false, true));

        Assert.Equal(ErrorIds.FleetApprovalRefused, refused.ErrorId);
    }
}

/// <summary>The local side: every host's plan, one question, one local record, the approved plans run on each host.</summary>
public sealed class FleetChangeTests : IDisposable
{
    private const string Reason = "SEV1 on the desk";
    private readonly FakeFlowContext _host = new() { Approval = ApprovalMode.Prompted, CmdletName = "Stop-MmMarket" };
    private readonly FakeFleet _fleet = new();

    public FleetChangeTests()
    {
        _fleet.Hosts["a@10.1.0.2"] = call => Answer(call, "a", "/home/a/bin/mmctl stop eth --json", "/home/a/bin/mmctl stop btc --json");
        _fleet.Hosts["b@10.1.1.2"] = call => Answer(call, "b", "/home/b/bin/mmctl stop eth --json");
    }

    public void Dispose() => _host.Dispose();

    private static FakeRun Answer(FleetCall call, string hash, params string[] commands) => call.Parameters.ContainsKey("FleetPlanOnly")
        ? FakeRun.Answering(FakeFleet.Crossed(FleetPlan.TypeName, ("Commands", commands), ("Plan", $"Plan:\n- Action(s): {string.Join(", ", commands)}\n- Reason: {Reason}\nNeed approval: YES"), ("PlanHash", new string(hash[0], 64))))
        : FakeRun.Running(FakeFleet.Crossed("MmOperator.ActionResult", ("Market", "ETH-USD"), ("Outcome", "Succeeded")));

    private static readonly string[] EthAndBtc = ["eth", "btc"];

    private void Stop(params string[] hosts) =>
        new FleetChange(new RunbookFlow(_host)).Run(_fleet, new FleetParameters { HostName = hosts }, FleetCall.Of("Stop-MmMarket", ("Market", EthAndBtc), ("Reason", Reason)), "stop", Reason, p => p);

    private List<(string Host, Hashtable Approval)> Ran => _fleet.Asked.Where(a => a.Call.Parameters.ContainsKey("FleetApproval")).Select(a => (a.Host, (Hashtable)a.Call.Parameters["FleetApproval"])).ToList();

    [Fact]
    public void One_question_lists_every_hosts_commands_and_each_host_runs_its_own_plan_with_the_persons_approval()
    {
        _host.Choices.Enqueue(0);

        Stop("a@10.1.0.2", "b@10.1.1.2");

        var (query, labels) = Assert.Single(_host.Questions);
        Assert.Contains("On a@10.1.0.2 (plan sha256:aaaaaaaaaaaa):\nPlan:\n- Action(s): /home/a/bin/mmctl stop eth --json, /home/a/bin/mmctl stop btc --json", query, StringComparison.Ordinal);
        Assert.Contains("On b@10.1.1.2 (plan sha256:bbbbbbbbbbbb):", query, StringComparison.Ordinal);
        Assert.EndsWith("Approve: stop on 2 hosts (3 commands: a@10.1.0.2: 2; b@10.1.1.2: 1)?", query, StringComparison.Ordinal);
        Assert.Equal(["&Yes to all", "&No", "&Per host"], labels);
        Assert.Equal(["a@10.1.0.2", "b@10.1.1.2"], Ran.Select(r => r.Host).Order());
        Assert.All(Ran, r => Assert.Equal((Environment.UserName, ApprovalMode.Prompted, new string(r.Host[0], 64)), ((string)r.Approval["User"]!, (string)r.Approval["Mode"]!, (string)r.Approval["PlanHash"]!)));
        Assert.Equal(["a@10.1.0.2", "b@10.1.1.2"], _host.Output.Cast<PSObject>().Select(o => (string)o.Properties["PSComputerName"].Value).Order());
        var record = Assert.Single(_host.Journalled);
        Assert.Equal((AuditOutcome.Intended, ApprovalMode.Prompted, "a@10.1.0.2, b@10.1.1.2"), (record.Outcome, record.Approval, record.Market));
        Assert.Contains($"a@10.1.0.2 plan sha256:{new string('a', 64)} (2 commands); b@10.1.1.2 plan sha256:{new string('b', 64)} (1 command)", record.Detail, StringComparison.Ordinal);
        // One bar per host, each saying how far its plan is.
        Assert.Equal(["a@10.1.0.2: 2 command(s)", "b@10.1.1.2: 1 command(s)"], _host.Progress.Select(p => p.Activity).Distinct().Order());
        Assert.Contains(_host.Progress, p => p.Activity.StartsWith("a@", StringComparison.Ordinal) && p.StatusDescription.StartsWith("1 of 2 done; last  ETH-USD: Succeeded", StringComparison.Ordinal) && p.PercentComplete == 50);
        Assert.Equal(2, _host.Progress.Count(p => p.RecordType == ProgressRecordType.Completed));
    }

    [Fact]
    public void No_runs_nothing_on_any_host_and_is_journalled_here()
    {
        _host.Choices.Enqueue(PromptChoice.No);

        Stop("a@10.1.0.2", "b@10.1.1.2");

        Assert.Empty(Ran);
        Assert.Equal(AuditOutcome.Declined, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void Per_host_runs_only_the_approved_hosts_plan()
    {
        foreach (var answer in new[] { PromptChoice.PerMarket, PromptChoice.No, 0 })
        {
            _host.Choices.Enqueue(answer);
        }

        Stop("a@10.1.0.2", "b@10.1.1.2");

        Assert.Equal("2 of 2: b@10.1.1.2: /home/b/bin/mmctl stop eth --json?", _host.Questions[^1].Query);
        Assert.Equal(["b@10.1.1.2"], Ran.Select(r => r.Host));
    }

    [Fact]
    public void WhatIf_prints_every_hosts_plan_and_runs_nothing_anywhere()
    {
        _host.IsWhatIf = true;

        Stop("a@10.1.0.2", "b@10.1.1.2");

        Assert.Contains("On b@10.1.1.2", Assert.Single(_host.HostText), StringComparison.Ordinal);
        Assert.Empty(Ran);
        Assert.Empty(_host.Questions);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void An_unreachable_host_is_its_error_and_the_others_plans_are_still_asked_and_run()
    {
        _host.Choices.Enqueue(0);

        Stop("down@10.1.9.9", "b@10.1.1.2");

        Assert.Equal(ErrorIds.FleetHostUnreachable, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(["b@10.1.1.2"], Ran.Select(r => r.Host));
    }

    [Fact]
    public void A_session_that_cannot_ask_runs_nothing_anywhere()
    {
        _host.NoPerson = new PSInvalidOperationException("the session is non-interactive");

        var stopped = Assert.ThrowsAny<Exception>(() => Stop("a@10.1.0.2", "b@10.1.1.2"));

        Assert.True(_host.EndedScript, stopped.Message);
        Assert.Empty(Ran);
    }

    [Fact]
    public void Ctrl_C_stops_the_waiting_asks_each_host_to_stop_and_waits_for_them_to_say_so()
    {
        _host.Choices.Enqueue(0);
        var runs = new List<FakeRun>();
        foreach (var name in new[] { "a@10.1.0.2", "b@10.1.1.2" })
        {
            var plan = _fleet.Hosts[name];
            _fleet.Hosts[name] = call =>
            {
                if (call.Parameters.ContainsKey("FleetPlanOnly"))
                {
                    return plan(call);
                }

                // The person presses Ctrl+C while the hosts run their plans.
                var run = new FakeRun(new([], [], null), finished: false);
                runs.Add(run);
                _host.CtrlC.Cancel();
                return run;
            };
        }

        Assert.Throws<PipelineStoppedException>(() => Stop("a@10.1.0.2", "b@10.1.1.2"));

        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.True(r.StopRequested));
        Assert.Contains("Ctrl+C: each host was asked to stop", Assert.Single(_host.HostWarnings), StringComparison.Ordinal);
        Assert.Equal(1, _fleet.Closed);
    }

    [Fact]
    public void A_host_whose_connection_broke_after_its_plan_is_its_error_and_the_others_run()
    {
        _host.Choices.Enqueue(0);
        var plan = _fleet.Hosts["a@10.1.0.2"];
        _fleet.Hosts["a@10.1.0.2"] = call => call.Parameters.ContainsKey("FleetPlanOnly") ? plan(call) : throw new InvalidOperationException("The runspace state is Broken");

        Stop("a@10.1.0.2", "b@10.1.1.2");

        var error = Assert.Single(_host.Errors);
        Assert.Equal((ErrorIds.FleetHostFailed, "a@10.1.0.2"), (error.FullyQualifiedErrorId, error.TargetObject));
        Assert.Equal(["b@10.1.1.2"], _host.Output.Cast<PSObject>().Select(o => (string)o.Properties["PSComputerName"].Value));
    }
}
