using MmOperator.Runbook;

namespace MmOperator.Tests.Flow;

/// <summary>Every branch of the state-change flow, on a fake host: no runspace, no process.</summary>
public sealed class RunbookFlowTests : IDisposable
{
    private const string Reason = "open for the session";
    private readonly FakeFlowContext _host = new();
    private readonly FakeProc _proc = new();

    public void Dispose()
    {
        _host.Dispose();
        _proc.Dispose();
    }

    private string EthFile => Path.Combine(_host.RepoPath, ".env.eth");

    private static string Status(string state, int? pid) =>
        $$"""{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "{{state}}", "pid": {{(pid is null ? "null" : pid)}}, "market": "ETH-USD", "env": "/r/.env.eth"}]}""";

    /// <summary>mmctl answers <paramref name="action"/> with <paramref name="json"/>, then status with <paramref name="status"/>.</summary>
    private void Answer(string json, string status)
    {
        _host.Run = command => FakeFlowContext.Answered(command, command.Shape == HostCommandShape.MmctlStatusMarket ? status : json);
    }

    private void Start(string market = "eth", string reason = Reason) =>
        new RunbookFlow(_host).ApproveAndRun(MarketAction.Start, [Market.Parse(market)], reason);

    private ActionResult Result => Assert.IsType<ActionResult>(Assert.Single(_host.Output));

    [Fact]
    public void A_bad_reason_is_refused_journalled_and_nothing_runs()
    {
        Start(reason: "two\nlines");

        Assert.Equal(ErrorIds.InvalidReason, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, _host.Errors[0].CategoryInfo.Category);
        Assert.Empty(_host.Ran);
        Assert.Equal((AuditOutcome.Refused, "start"), (Assert.Single(_host.Journalled).Outcome, _host.Journalled[0].Action));
    }

    [Fact]
    public void The_journal_shows_refused_input_escaped_and_quotes_at_most_its_limit()
    {
        var market = "eth\u001b[8m\u202e" + new string('x', 2000);

        Start(market: market);
        Start(reason: "SEV1\nPlan:\u001b[8m");

        var (refusedMarket, refusedReason) = (_host.Journalled[0], _host.Journalled[1]);
        Assert.Equal($"eth\\u{{1B}}[8m\\u{{202E}}{new string('x', AuditRecord.QuotedLength - 8)}... (1008 more characters)", refusedMarket.Market);
        Assert.Contains("Market 'eth\\u{1B}[8m\\u{202E}xxx", refusedMarket.Detail, StringComparison.Ordinal);
        Assert.Equal("SEV1\\u{0A}Plan:\\u{1B}[8m", refusedReason.Reason);
        Assert.All(_host.Journalled, r => Assert.DoesNotContain(r.Market + r.Reason + r.Detail, c => char.IsControl(c) || c == '\u202e'));
    }

    [Fact]
    public void An_unknown_market_is_refused_with_its_id_and_nothing_runs()
    {
        Start(market: "doge");

        Assert.Equal(ErrorIds.UnknownMarket, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Empty(_host.Ran);
        Assert.Equal(AuditOutcome.Refused, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void A_protected_key_is_refused_before_its_file_is_read_and_nothing_is_written()
    {
        var before = File.ReadAllText(Path.Combine(_host.RepoPath, ".env.eth"));
        _host.CmdletName = "Set-MmEnvParam";

        var edit = new EnvEditFlow(new RunbookFlow(_host), "set");
        edit.Run(new EnvEditRequest([Market.Parse("eth")], false, "EXTENDED_API_KEY", false, Reason, key => "x"));
        edit.Flow.RecordRefusals();

        Assert.Equal(ErrorIds.ProtectedKey, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_host.RepoPath, ".env.eth")));
        Assert.Equal((AuditOutcome.Refused, "set"), (Assert.Single(_host.Journalled).Outcome, _host.Journalled[0].Action));
        Assert.Empty(_host.Prompts);
    }

    [Fact]
    public void Declined_at_the_prompt_runs_nothing_and_is_journalled()
    {
        _host.Answer = () => false;

        Start();

        Assert.StartsWith("Plan:\n- Action(s): ", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Errors);
        Assert.Equal(AuditOutcome.Declined, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void A_session_that_cannot_ask_stops_with_ApprovalRequired()
    {
        _host.Answer = () => throw new PSInvalidOperationException("no prompt");

        var stopped = Assert.Throws<FlowTerminatedException>(() => Start());

        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.Empty(_host.Ran);
        Assert.Equal(AuditOutcome.Refused, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void WhatIf_prints_exactly_the_plan_and_runs_and_journals_nothing()
    {
        _host.IsWhatIf = true;

        Start();

        Assert.Equal($"Plan:\n- Action(s): {_host.Options.MmctlPath} start eth --json\n- Reason: {Reason}\nNeed approval: YES", Assert.Single(_host.HostText));
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Prompts);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void WhatIf_journals_no_refusal_either()
    {
        _host.IsWhatIf = true;

        Start(market: "doge");

        Assert.Equal(ErrorIds.UnknownMarket, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void A_restricted_session_without_a_ticket_files_a_request_and_runs_nothing()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;

        Start();

        var pending = Assert.Single(_host.Errors);
        Assert.Equal(ErrorIds.ApprovalPending, pending.FullyQualifiedErrorId);
        var request = Assert.Single(_host.Approvals.List());
        Assert.Equal((request.Id, "Start-MmMarket", "start"), ((string)pending.TargetObject, request.Cmdlet, request.Action));
        Assert.Empty(_host.Ran);
        Assert.Equal(AuditOutcome.PendingApproval, Assert.Single(_host.Journalled).Outcome);
    }

    /// <summary>The agent's start, filed in a restricted session, then approved by a human: the ticket's id.</summary>
    private string ApprovedTicketForStart()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        Start();
        var id = Assert.Single(_host.Approvals.List()).Id;
        _host.Approvals.Decide(id, approve: true, "human");
        _host.Errors.Clear();
        return id;
    }

    [Fact]
    public void An_approved_ticket_runs_the_action_once_and_then_is_refused()
    {
        var id = ApprovedTicketForStart();
        Answer("""{"status": "started", "pid": 4242}""", Status("running", 4242));
        _host.Exits = (_, _) => false;

        new RunbookFlow(_host, [id]).ApproveAndRun(MarketAction.Start, [Market.Parse("eth")], Reason);
        new RunbookFlow(_host, [id]).ApproveAndRun(MarketAction.Start, [Market.Parse("eth")], Reason);

        Assert.Equal((ActionOutcome.Succeeded, $"Ticket {id}"), (Result.Outcome, Result.Approval));
        Assert.Equal(ErrorIds.ApprovalRejected, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(2, _host.Ran.Count);
    }

    [Fact]
    public void A_ticket_for_another_action_is_refused_and_nothing_runs()
    {
        var id = ApprovedTicketForStart();

        new RunbookFlow(_host, [id]).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        Assert.Equal(ErrorIds.ApprovalRejected, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Contains("different command", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void A_command_that_fails_is_Failed_with_the_contract_error()
    {
        Answer("""{"status": "error", "error": "Env file not found"}""", Status("stopped", null));

        Start();

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        Assert.Equal(ErrorIds.MarketActionFailed, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(AuditOutcome.Failed, Assert.Single(_host.Ended).Outcome);
        Assert.Empty(_host.Watched);
    }

    [Fact]
    public void A_command_that_times_out_is_Failed_with_a_timeout()
    {
        _host.Run = command => command.Shape == HostCommandShape.MmctlStart
            ? new HostRunResult(command, HostRunStatus.TimedOut, null, string.Empty, string.Empty, TimeSpan.FromSeconds(90))
            : FakeFlowContext.Answered(command, Status("stopped", null));

        Start();

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        var error = Assert.Single(_host.Errors);
        Assert.Equal((ErrorIds.HostCommandTimedOut, ErrorCategory.OperationTimeout), (error.FullyQualifiedErrorId, error.CategoryInfo.Category));
    }

    [Fact]
    public void A_stop_whose_pid_stays_alive_is_BotStillRunning()
    {
        Answer("""{"status": "stopped", "pid": 8593}""", Status("stopped", null));
        _host.Exits = (_, _) => false;

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        Assert.Equal(ErrorIds.BotStillRunning, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(8593, Assert.Single(_host.Watched).Pid);
        Assert.Equal(ErrorIds.BotStillRunning, Assert.Single(_host.Ended).ErrorId);
    }

    [Fact]
    public void A_started_bot_that_dies_in_the_settle_window_fails_the_start()
    {
        Answer("""{"status": "started", "pid": 4242}""", Status("stopped", null));
        _host.Exits = (pid, _) => pid == 4242;

        Start();

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        Assert.Contains("not running a moment later", Result.Detail, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.MarketActionFailed, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal((4242, _host.Options.StartSettle), Assert.Single(_host.Watched));
        Assert.Empty(_host.Paused);
    }

    [Fact]
    public void A_start_succeeds_once_its_bot_outlives_the_window_and_status_shows_it()
    {
        Answer("""{"status": "started", "pid": 4242}""", Status("running", 4242));
        _host.Exits = (_, _) => false;
        _host.Options = _host.Options with { StartSettleMs = 300 };

        Start();

        Assert.Equal((ActionOutcome.Succeeded, "started (pid 4242)", MarketState.Running), (Result.Outcome, Result.Detail, Result.NewStatus!.State));
        Assert.Empty(_host.Errors);
        Assert.Equal(TimeSpan.FromMilliseconds(300), Assert.Single(_host.Watched).Window);
        Assert.Equal([HostCommandShape.MmctlStart, HostCommandShape.MmctlStatusMarket], _host.Ran.Select(c => c.Shape));
        var record = Assert.Single(_host.Ended);
        Assert.Equal((AuditOutcome.Succeeded, "ConfirmFalse", "ETH-USD: Running (pid 4242)"), (record.Outcome, record.Approval, record.NewStatus));
        Assert.Contains("\"outcome\":\"Succeeded\"", File.ReadAllText(_host.Options.AuditLogPath), StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_without_a_pid_waits_the_window_and_trusts_only_the_status()
    {
        Answer("""{"status": "started"}""", Status("stopped", null));

        Start();

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        Assert.Equal(_host.Options.StartSettle, Assert.Single(_host.Paused));
    }

    [Fact]
    public void The_settle_window_defaults_to_one_second_and_reads_its_variable()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), OperatorOptions.FromEnvironment(_ => null).StartSettle);
        Assert.Equal(TimeSpan.FromMilliseconds(400), OperatorOptions.FromEnvironment(n => n == "MMOPERATOR_START_SETTLE_MS" ? "400" : null).StartSettle);
        Assert.Equal(ErrorIds.InvalidOptionValue, Assert.Throws<OperatorException>(() => OperatorOptions.FromEnvironment(n => n == "MMOPERATOR_START_SETTLE_MS" ? "50" : null)).ErrorId);
    }

    [Fact]
    public void A_playbook_under_WhatIf_prints_each_steps_plan_in_order_and_runs_nothing()
    {
        _host.IsWhatIf = true;

        PlaybookRun.Run(new RunbookFlow(_host), Playbooks.Find("RecoveryAfterIncident")!, [Market.Parse("eth")], Reason);

        Assert.Equal(["Need approval: NO", "Need approval: YES"], _host.HostText.Select(t => t.Split('\n')[^1]));
        Assert.Contains(" status eth --json", _host.HostText[0], StringComparison.Ordinal);
        Assert.Contains(" start eth --json", _host.HostText[1], StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void Status_of_an_unknown_market_is_an_error_but_no_attempt_to_journal()
    {
        _host.Run = command => FakeFlowContext.Answered(command, Status("running", 4242));

        new StatusReports(new RunbookFlow(_host)).ReportStatuses([Market.Parse("doge"), Market.Parse("eth")], Reason);

        Assert.Equal(ErrorIds.UnknownMarket, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Equal(MarketState.Running, Assert.IsType<MarketStatus>(Assert.Single(_host.Output)).State);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void The_window_counts_from_the_bots_start_but_never_from_before_mmctl_ran()
    {
        Answer("""{"status": "started", "pid": 4242}""", Status("running", 4242));
        _host.Exits = (_, _) => false;
        _host.Age = TimeSpan.FromMilliseconds(3); // mmctl answered in 5 ms (FakeFlowContext.Answered)
        Start();
        _host.Age = TimeSpan.FromHours(1); // a reading no bot mmctl just started can have
        Start();

        Assert.Equal([_host.Options.StartSettle - TimeSpan.FromMilliseconds(3), _host.Options.StartSettle - TimeSpan.FromMilliseconds(5)], _host.Watched.Select(w => w.Window));
    }

    [Fact]
    public void A_start_beside_a_bot_mmctl_does_not_know_is_refused_naming_its_pid_and_the_commands_that_end_it()
    {
        _proc.AddBot(100, 5000, EthFile);
        _host.Processes = _proc.Table;
        Answer("""{"status": "started", "pid": 4242}""", Status("stopped", null));

        Start();

        var error = Assert.Single(_host.Errors);
        Assert.Equal((ErrorIds.OrphanedBotRunning, ErrorCategory.ResourceExists), (error.FullyQualifiedErrorId, error.CategoryInfo.Category));
        Assert.Contains("pid 100 lives without mmctl knowing it", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("`kill -TERM 100`", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("`kill -KILL 100`", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal([HostCommandShape.MmctlStatusMarket], _host.Ran.Select(c => c.Shape));
        Assert.Empty(_host.Prompts);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.OrphanedBotRunning), (Assert.Single(_host.Journalled).Outcome, _host.Journalled[0].ErrorId));
    }

    [Fact]
    public void A_start_while_the_bot_mmctl_tracks_runs_is_not_refused()
    {
        _proc.AddBot(4242, 5000, EthFile);
        _host.Processes = _proc.Table;
        Answer("""{"status": "already_running", "pid": 4242}""", Status("running", 4242));

        Start();

        Assert.Equal(ActionOutcome.NoChange, Result.Outcome);
        Assert.Empty(_host.Errors);
    }

    [Fact]
    public void A_stop_whose_pid_stays_alive_is_remembered_so_the_market_shows_Orphaned_with_the_commands_that_end_it()
    {
        _proc.Add(8593, 5000, argv: ["python", "-m", "market_maker"]);
        _host.Processes = _proc.Table;
        Answer("""{"status": "stopped", "pid": 8593}""", Status("stopped", null));
        _host.Exits = (_, _) => false;

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        Assert.Equal(ErrorIds.BotStillRunning, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Contains("`kill -TERM 8593`", Result.Detail, StringComparison.Ordinal);
        Assert.Equal((MarketState.Orphaned, 8593), (Result.NewStatus!.State, Result.NewStatus.Pid));
        var record = Assert.Single(_host.Truth.Store.List());
        Assert.Equal(("eth", 8593, 5000UL, "stop"), (record.Market, record.Pid, record.StartTicks, record.Action));
    }

    [Fact]
    public void A_stop_that_mmctl_calls_not_running_while_an_orphaned_bot_lives_fails_with_OrphanedBotRunning()
    {
        _proc.AddBot(100, 5000, EthFile);
        _host.Processes = _proc.Table;
        Answer("""{"status": "not_running", "env": ".env.eth"}""", Status("stopped", null));

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        Assert.Equal(ActionOutcome.Failed, Result.Outcome);
        Assert.Equal(ErrorIds.OrphanedBotRunning, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Contains("`kill -TERM 100`", Result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_that_mmctl_answers_already_running_for_a_zombie_fails_and_says_why()
    {
        _proc.AddBot(4242, 5000, EthFile, state: 'Z');
        _host.Processes = _proc.Table;
        Answer("""{"status": "already_running", "pid": 4242}""", Status("running", 4242));

        Start();

        Assert.Equal((ActionOutcome.Failed, MarketState.Crashed), (Result.Outcome, Result.NewStatus!.State));
        Assert.Contains("zombie", Result.Detail, StringComparison.Ordinal);
        Assert.Contains("Stop-MmMarket eth", Result.Detail, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.MarketActionFailed, Assert.Single(_host.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_stop_of_a_market_whose_pid_file_names_a_zombie_first_gives_init_a_moment_to_reap_it()
    {
        File.WriteAllText(Directory.CreateDirectory(Path.Combine(_host.RepoPath, "data", "pids")).FullName + "/env_eth.pid", "4242\n");
        _proc.AddBot(4242, 5000, EthFile, state: 'Z');
        _host.Processes = _proc.Table;
        Answer("""{"status": "not_running", "env": ".env.eth"}""", Status("stopped", null));

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth")], Reason);

        Assert.Equal([4242], _host.AwaitedReaping);
        Assert.Equal(ActionOutcome.NoChange, Result.Outcome);
    }

    [Fact]
    public void A_start_beside_a_live_bot_is_refused_when_mmctl_cannot_say_whether_it_tracks_it()
    {
        _proc.AddBot(100, 5000, EthFile);
        _host.Processes = _proc.Table;
        Answer("""{"status": "started", "pid": 4242}""", "not json");

        Start();

        var error = Assert.Single(_host.Errors);
        Assert.Equal((ErrorIds.StatusRefreshFailed, ErrorCategory.ResourceUnavailable), (error.FullyQualifiedErrorId, error.CategoryInfo.Category));
        Assert.Equal([HostCommandShape.MmctlStatusMarket], _host.Ran.Select(c => c.Shape));
    }
}
