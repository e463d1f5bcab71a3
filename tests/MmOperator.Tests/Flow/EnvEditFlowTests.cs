namespace MmOperator.Tests.Flow;

/// <summary>
/// Every branch of Set- and Remove-MmEnvParam's flow on a fake host over a real sandbox: real .env files,
/// the real mmctl status after an edit, and answers masked by the sandbox's fake credentials.
/// </summary>
public sealed class EnvEditFlowTests : IDisposable
{
    private const string Reason = "tune the spread";
    private readonly FakeFlowContext _host = FakeFlowContext.OnSandbox("eth", "btc");

    public EnvEditFlowTests() => _host.CmdletName = "Set-MmEnvParam";

    public void Dispose() => _host.Dispose();

    private string EthFile => Path.Combine(_host.RepoPath, ".env.eth");

    private string SharedFile => Path.Combine(_host.RepoPath, ".env");

    private string Changelog => HostChangelog.PathIn(_host.RepoPath);

    /// <summary>One Set- (or Remove-) MmEnvParam command, as the cmdlet runs it: prepared, one record, its refusals journalled at its end.</summary>
    private void Edit(string? market, string key, string? value, string reason = Reason, bool shared = false, bool force = false, IReadOnlyList<string>? tickets = null, bool allowNonMmKey = false)
    {
        var flow = new RunbookFlow(_host, tickets) { Force = force };
        var edit = new EnvEditFlow(flow, value is null ? "remove" : "set");
        edit.Prepare();
        try
        {
            edit.Run(new EnvEditRequest(market is null ? null : [Market.Parse(market)], shared, key, allowNonMmKey, reason, checkedKey => value is null ? null : EnvValuePolicy.Check(checkedKey, value, edit.Policy)));
        }
        finally
        {
            flow.RecordRefusals();
        }
    }

    private (string Action, string? Market, string? Key, AuditOutcome Outcome, string? ErrorId) Ended => Assert.Single(_host.Ended) is var r ? (r.Action, r.Market, r.Key, r.Outcome, r.ErrorId) : default;

    private string ErrorId => Assert.Single(_host.Errors).FullyQualifiedErrorId;

    /// <summary>A refusal: its error and one journal record, no prompt, no process, no byte of any file but the journal changed.</summary>
    private void AssertRefused(string errorId, string? market, string? key, IReadOnlyDictionary<string, string> before)
    {
        Assert.Equal(errorId, ErrorId);
        Assert.Equal(("set", market, key, AuditOutcome.Refused, errorId), Ended);
        Assert.Equal(ApprovalMode.None, Assert.Single(_host.Ended).Approval);
        Assert.Empty(_host.Prompts);
        Assert.Empty(_host.Output);
        _host.AssertNothingRanOrChanged(before);
    }

    [Theory]
    [InlineData(null, false, "MM_SPREAD_MULTIPLIER", "1.6", ErrorIds.EnvTargetRequired, null)] // neither a market nor shared
    [InlineData("eth", true, "MM_SPREAD_MULTIPLIER", "1.6", ErrorIds.EnvTargetRequired, null)] // a market and shared at once
    [InlineData("doge", false, "MM_SPREAD_MULTIPLIER", "1.6", ErrorIds.UnknownMarket, "doge")]
    [InlineData("eth", false, "MM_MAX_POSITION_SIZE", "100000", ErrorIds.RiskChangeNeedsForce, "ETH-USD")] // -Confirm:$false alone
    public void An_edit_its_target_or_a_risk_guard_refuses_changes_nothing(string? market, bool shared, string key, string value, string errorId, string? named)
    {
        var before = _host.Files();

        Edit(market, key, value, shared: shared);

        AssertRefused(errorId, named, key, before);
    }

    [Theory]
    [InlineData("MM_API_KEY", "x", ErrorIds.ProtectedKey)]
    [InlineData("MM_MARKET_NAME", "SOL-USD", ErrorIds.HumanOnlyKey)]
    [InlineData("LD_PRELOAD", "/tmp/x.so", ErrorIds.LoaderKeyRefused)]
    [InlineData("mm_spread", "1", ErrorIds.InvalidEnvKey)]
    [InlineData("OTHER_SETTING", "1", ErrorIds.NonMmKeyRefused)]
    [InlineData("MM_SPREAD_MULTIPLIER", "1.6\nMM_API_KEY=x", ErrorIds.InvalidEnvValue)]
    public void A_refused_key_or_value_names_its_market_and_file_and_changes_nothing(string key, string value, string errorId)
    {
        var before = _host.Files();

        Edit("eth", key, value);

        AssertRefused(errorId, "ETH-USD", key, before);
        Assert.StartsWith($"ETH-USD ({EthFile}): ", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(EthFile, Assert.IsType<RefusedEnvEdit>(_host.Errors[0].TargetObject).File);
    }

    [Fact]
    public void A_shared_env_that_is_gone_is_refused_and_not_created()
    {
        File.Delete(SharedFile);
        var before = _host.Files();

        Edit(null, "MM_LOG_LEVEL", "DEBUG", shared: true);

        AssertRefused(ErrorIds.EnvFileRefused, ".env", "MM_LOG_LEVEL", before);
        Assert.False(File.Exists(SharedFile));
    }

    [Fact]
    public void A_market_file_turned_into_a_link_after_the_catalog_was_read_is_refused()
    {
        var elsewhere = Path.Combine(_host.Root, "elsewhere.env");
        File.Move(EthFile, elsewhere);
        File.CreateSymbolicLink(EthFile, elsewhere);
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        AssertRefused(ErrorIds.EnvFileRefused, "ETH-USD", "MM_SPREAD_MULTIPLIER", before);
    }

    [Fact]
    public void A_bad_reason_is_refused_with_InvalidReason()
    {
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6", reason: "two\nlines");

        AssertRefused(ErrorIds.InvalidReason, "ETH-USD", "MM_SPREAD_MULTIPLIER", before);
    }

    [Fact]
    public void A_reason_that_quotes_a_secret_is_refused_and_the_secret_shows_nowhere()
    {
        var secret = _host.SecretOf("MM_API_KEY");

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6", reason: $"rotate MM_API_KEY={secret}");

        Assert.Equal(ErrorIds.InvalidReason, ErrorId);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Refused, ErrorIds.InvalidReason), Ended);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_holds_a_secret_assignment_is_refused_before_its_plan_is_shown()
    {
        var secret = _host.SecretOf("MM_API_KEY");
        var before = _host.Files();

        Edit("eth", "OTHER_NOTE", $"MM_API_KEY={secret}", allowNonMmKey: true);

        AssertRefused(ErrorIds.SecretLikeValue, "ETH-USD", "OTHER_NOTE", before);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_the_host_reads_otherwise_is_refused_before_anything_is_asked()
    {
        File.AppendAllText(EthFile, "# note\u2028MM_API_KEY=x\n");
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        AssertRefused(ErrorIds.EnvFileHostLineBreak, "ETH-USD", "MM_SPREAD_MULTIPLIER", before);
    }

    [Fact]
    public void The_same_value_is_no_change_journalled_without_approval_or_process()
    {
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.50");

        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.NoChange, (string?)null), Ended);
        Assert.Equal(ApprovalMode.None, _host.Ended[0].Approval);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal((false, "1.5", "1.5", (string?)null, _host.Ended[0].Id), (change.Changed, change.PreviousValue, change.NewValue, change.Approval, change.AuditId));
        Assert.Empty(_host.Prompts);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void Under_WhatIf_the_same_value_is_said_and_nothing_is_journalled()
    {
        _host.IsWhatIf = true;
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.5");

        Assert.Equal($"No change: MM_SPREAD_MULTIPLIER in {EthFile} is already '1.5'.", _host.AssertOnlyTold(before));
        Assert.False(File.Exists(_host.Options.AuditLogPath));
    }

    [Fact]
    public void Under_WhatIf_a_change_prints_its_plan_and_journals_runs_and_writes_nothing()
    {
        _host.IsWhatIf = true;
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.StartsWith($"Plan:\n- Action(s): set MM_SPREAD_MULTIPLIER in {EthFile}: '1.5' -> '1.6'\n", _host.AssertOnlyTold(before), StringComparison.Ordinal);
        Assert.Empty(_host.Prompts);
        Assert.False(File.Exists(_host.Options.AuditLogPath));
    }

    [Fact]
    public void Under_WhatIf_a_refusal_is_written_but_not_journalled()
    {
        _host.IsWhatIf = true;
        var before = _host.Files();

        Edit("eth", "MM_API_KEY", "x");

        Assert.Equal(ErrorIds.ProtectedKey, ErrorId);
        Assert.Empty(_host.Journalled);
        _host.AssertNothingRanOrChanged(before);
        Assert.False(File.Exists(_host.Options.AuditLogPath));
    }

    [Fact]
    public void An_approved_change_is_written_with_its_changelog_row_the_new_status_and_one_record()
    {
        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Empty(_host.Errors);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        var record = Assert.Single(_host.Ended);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal((ApprovalMode.ConfirmFalse, "1.5", "1.6"), (record.Approval, record.PreviousValue, record.NewValue));
        Assert.StartsWith(".env.eth sha256 ", record.Detail, StringComparison.Ordinal);
        Assert.Equal("ETH-USD: Stopped", record.NewStatus);
        var intent = Assert.Single(_host.Journalled, r => r.Outcome == AuditOutcome.Intended);
        Assert.Equal(intent.Id, record.Attempt);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal((true, "1.5", "1.6", "at start", (string?)null, record.Id), (change.Changed, change.PreviousValue, change.NewValue, change.TakesEffect, change.Note, change.AuditId));
        Assert.Equal(HostCommandShape.MmctlStatusMarket, Assert.Single(_host.Ran).Shape);
        Assert.Contains("\"param\":\"MM_SPREAD_MULTIPLIER\"", File.ReadAllText(Changelog).Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("set MM_SPREAD_MULTIPLIER in ", Assert.Single(_host.Prompts), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removal_takes_the_key_out_of_the_file()
    {
        _host.CmdletName = "Remove-MmEnvParam";

        Edit("eth", "MM_SPREAD_MULTIPLIER", null);

        Assert.Empty(_host.Errors);
        Assert.DoesNotContain("MM_SPREAD_MULTIPLIER", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Equal(("remove", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal(("1.5", (string?)null), (_host.Ended[0].PreviousValue, _host.Ended[0].NewValue));
    }

    [Fact]
    public void A_shared_edit_asks_about_every_mainnet_market_and_refreshes_every_status()
    {
        File.AppendAllText(Path.Combine(_host.RepoPath, ".env.btc"), "MM_ENVIRONMENT=mainnet\n");
        _host.Catalog = MarketCatalog.Load(_host.RepoPath);

        Edit(null, "MM_LOG_LEVEL", "DEBUG", shared: true);

        Assert.Empty(_host.Errors);
        Assert.Contains("MM_LOG_LEVEL=DEBUG\n", File.ReadAllText(SharedFile), StringComparison.Ordinal);
        Assert.Contains("\n- Environment: MAINNET (real money): BTC-USD\n", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal(("set", ".env", "MM_LOG_LEVEL", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal(HostCommandShape.MmctlStatusAll, Assert.Single(_host.Ran).Shape);
        Assert.True(Assert.IsType<EnvChange>(Assert.Single(_host.Output)).Shared);
    }

    [Fact]
    public void A_person_who_says_No_is_journalled_as_declined_and_nothing_changes()
    {
        _host.Person("No");
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Declined, (string?)null), Ended);
        Assert.Equal(["&Yes", "&No"], Assert.Single(_host.Questions).Labels);
        Assert.Empty(_host.Output);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_person_who_says_Yes_is_recorded_as_Prompted()
    {
        _host.Person("Yes");

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal(ApprovalMode.Prompted, _host.Ended[0].Approval);
        Assert.Equal(ApprovalMode.Prompted, Assert.IsType<EnvChange>(Assert.Single(_host.Output)).Approval);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_session_whose_input_ends_or_is_no_terminal_ends_the_script_with_ApprovalRequired(bool endOfInput)
    {
        if (endOfInput)
        {
            _host.Person(FakeFlowContext.EndOfInput);
        }
        else
        {
            _host.Person();
            _host.NotATerminal();
        }

        var before = _host.Files();

        var stopped = Assert.Throws<FlowTerminatedException>(() => Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6"));

        Assert.True(_host.EndedScript);
        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Refused, ErrorIds.ApprovalRequired), Ended);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_risk_change_with_Force_is_made_and_its_approval_says_so()
    {
        Edit("eth", "MM_MAX_POSITION_SIZE", "100000", force: true);

        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_MAX_POSITION_SIZE", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal(ApprovalMode.ConfirmFalse + ApprovalMode.WithForce, _host.Ended[0].Approval);
    }

    [Fact]
    public void A_person_confirms_a_risk_change_by_retyping_the_market()
    {
        _host.Person("Yes", "eth-usd");

        Edit("eth", "MM_MAX_POSITION_SIZE", "100000");

        Assert.Empty(_host.Errors);
        Assert.Contains("Type ETH-USD to confirm", Assert.Single(_host.LinePrompts), StringComparison.Ordinal);
        Assert.Equal(("set", "ETH-USD", "MM_MAX_POSITION_SIZE", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Equal(ApprovalMode.Prompted + ApprovalMode.WithRetype, _host.Ended[0].Approval);
        Assert.Contains("MM_MAX_POSITION_SIZE=100000\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("y")]
    [InlineData("")]
    [InlineData(FakeFlowContext.EndOfInput)]
    public void Anything_but_the_market_retyped_declines_the_risk_change(string? typed)
    {
        _host.Person("Yes", typed);
        var before = _host.Files();

        Edit("eth", "MM_MAX_POSITION_SIZE", "100000");

        Assert.Empty(_host.Errors);
        Assert.Equal(("set", "ETH-USD", "MM_MAX_POSITION_SIZE", AuditOutcome.Declined, (string?)null), Ended);
        Assert.Contains("needs ETH-USD typed exactly. Nothing was changed.", Assert.Single(_host.Warnings), StringComparison.Ordinal);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_session_that_cannot_take_the_retyped_name_ends_the_script_with_ApprovalRequired()
    {
        _host.Person("Yes");
        _host.Typed = () => throw new System.Management.Automation.Host.HostException("the input ended before an answer was given");
        var before = _host.Files();

        var stopped = Assert.Throws<FlowTerminatedException>(() => Edit("eth", "MM_MAX_POSITION_SIZE", "100000"));

        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.Contains("A script confirms it with -Force.", stopped.Record.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(_host.Errors);
        Assert.Equal(AuditOutcome.Refused, Assert.Single(_host.Ended).Outcome);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_restricted_session_files_a_request_then_its_approved_ticket_makes_the_change_once()
    {
        _host.Restricted();
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.ApprovalPending, ErrorId);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.PendingApproval, ErrorIds.ApprovalPending), Ended);
        Assert.Equal(before[EthFile], _host.Files()[EthFile]);
        Assert.Empty(_host.Ran);
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6", tickets: [ticket]);

        Assert.Empty(_host.Errors);
        Assert.Equal((AuditOutcome.Succeeded, $"Ticket {ticket}"), (_host.Ended[^1].Outcome, _host.Ended[^1].Approval));
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.7", tickets: [ticket]);

        Assert.Equal(ErrorIds.ApprovalRejected, ErrorId);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.ApprovalRejected), (_host.Ended[^1].Outcome, _host.Ended[^1].ErrorId));
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_torn_after_approval_stops_the_edit_before_any_byte_is_written()
    {
        // The journal is checked when the command starts; it tears while the person reads the Plan.
        _host.ApprovesAfter(_host.TearJournal);
        var before = _host.Files();

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.AuditJournalTornTail, ErrorId);
        Assert.Equal(before[EthFile], _host.Files()[EthFile]);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Output);
        // The journal takes no record now: not even that the attempt could not begin (the error says so).
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void A_file_changed_while_the_plan_was_read_is_not_written_and_the_failure_is_journalled()
    {
        _host.ApprovesAfter(() => File.WriteAllText(EthFile, File.ReadAllText(EthFile).Replace("MM_SPREAD_MULTIPLIER=1.5", "MM_SPREAD_MULTIPLIER=2", StringComparison.Ordinal)));

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.EnvFileChanged, ErrorId);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.EnvFileChanged), Ended);
        Assert.Equal(Assert.Single(_host.Journalled, r => r.Outcome == AuditOutcome.Intended).Id, _host.Ended[0].Attempt);
        Assert.Contains("MM_SPREAD_MULTIPLIER=2\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Output);
    }

    [Fact]
    public void A_changelog_that_cannot_be_written_is_a_warning_and_the_edit_stands()
    {
        File.Delete(Changelog);
        Directory.CreateDirectory(Changelog);

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Empty(_host.Errors);
        Assert.Contains("was changed, but the host's changelog", Assert.Single(_host.Warnings), StringComparison.Ordinal);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Contains("; the host's changelog " + Changelog + " could not be written", _host.Ended[0].Detail, StringComparison.Ordinal);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_that_fails_after_the_edit_is_an_error_its_secret_masked_and_the_edit_is_journalled()
    {
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault("leak", "status");

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.StatusRefreshFailed, ErrorId);
        Assert.Contains(SecretMasker.Mask, _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, (string?)null), Ended);
        Assert.Null(_host.Ended[0].NewStatus);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Null(change.TakesEffect);
        Assert.Null(change.NewStatus);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eth", "eth", "ETH-USD is running: the change takes effect on restart (Restart-MmMarket eth)")]
    [InlineData(null, "eth", "ETH-USD is running: the change takes effect when each restarts (Restart-MmMarket eth)")]
    [InlineData(null, "eth,btc", "ETH-USD, BTC-USD are running: the change takes effect when each restarts (Restart-MmMarket eth, btc)")]
    public void An_edit_that_running_bots_read_says_they_take_it_on_restart(string? market, string running, string note)
    {
        // mmctl's status of running bots, as it answers it (no bot is started for it).
        var instances = running.Split(',').Select((slug, i) => $$"""{"controller_id": "env_{{slug}}", "status": "running", "pid": {{8340 + i}}, "market": "{{slug.ToUpperInvariant()}}-USD", "env": "/r/.env.{{slug}}"}""");
        _host.Run = command => FakeFlowContext.Answered(command, $$"""{"generated_at": "2026-11-26T07:13:26Z", "instances": [{{string.Join(", ", instances)}}]}""");

        Edit(market, market is null ? "MM_LOG_LEVEL" : "MM_SPREAD_MULTIPLIER", market is null ? "DEBUG" : "1.6", shared: market is null);

        Assert.Empty(_host.Errors);
        Assert.Equal(AuditOutcome.Succeeded, Assert.Single(_host.Ended).Outcome);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal(("on restart", note), (change.TakesEffect, change.Note));
        Assert.Equal(note, Assert.Single(_host.Warnings));
    }

    [Fact]
    public void A_refused_key_of_the_shared_env_names_its_file_and_no_market()
    {
        var before = _host.Files();

        Edit(null, "MM_API_KEY", "x", shared: true);

        Assert.Equal(ErrorIds.ProtectedKey, ErrorId);
        var refused = Assert.IsType<RefusedEnvEdit>(_host.Errors[0].TargetObject);
        Assert.Equal(((string?)null, SharedFile), (refused.Market, refused.File));
        Assert.Equal(("set", ".env", "MM_API_KEY", AuditOutcome.Refused, ErrorIds.ProtectedKey), Ended);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_file_that_cannot_be_locked_is_not_written_and_the_failure_is_journalled()
    {
        Directory.CreateDirectory(EthFile + ".lock");

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.EnvWriteFailed, ErrorId);
        Assert.Equal(("set", "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.EnvWriteFailed), Ended);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Empty(_host.Output);
    }

    [Fact]
    public void A_journal_torn_after_the_edit_is_an_error_and_the_edit_stands()
    {
        _host.BeforeRunning(HostCommandShape.MmctlStatusMarket, _host.TearJournal);

        Edit("eth", "MM_SPREAD_MULTIPLIER", "1.6");

        Assert.Equal(ErrorIds.AuditJournalTornTail, ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.WriteError, _host.Errors[0].CategoryInfo.Category);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal((true, (string?)null), (change.Changed, change.AuditId));
        Assert.Equal(AuditOutcome.Intended, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void A_journal_torn_before_a_no_change_record_is_an_error()
    {
        var flow = new RunbookFlow(_host);
        var edit = new EnvEditFlow(flow, "set");
        edit.Prepare();

        // Another writer tears the journal after the command started.
        edit.Run(new EnvEditRequest([Market.Parse("eth")], false, "MM_SPREAD_MULTIPLIER", false, Reason, _ =>
        {
            _host.TearJournal();
            return "1.5";
        }));

        Assert.Equal(ErrorIds.AuditJournalTornTail, ErrorId);
        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal((false, (string?)null), (change.Changed, change.AuditId));
        Assert.DoesNotContain(_host.Journalled, r => r.Outcome == AuditOutcome.NoChange);
    }
}
