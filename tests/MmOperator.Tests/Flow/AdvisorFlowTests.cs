using System.Text.Json.Nodes;

namespace MmOperator.Tests.Flow;

/// <summary>
/// Every branch of Get-, Approve-MmAdvisorProposal and Invoke-MmAdvisorAutoApply on a fake host over a real
/// sandbox: proposals in the host's own files, the sandbox's real mm_advisor_apply.py and mmctl, its fault
/// hooks for a failing or lying host, and answers masked by its fake credentials.
/// </summary>
public sealed class AdvisorFlowTests : IDisposable
{
    private const string Reason = "advisor review";
    private const double Ts = 1795677214;
    private readonly FakeFlowContext _host = FakeFlowContext.OnSandbox("eth", "btc");

    public void Dispose() => _host.Dispose();

    private string EthFile => Path.Combine(_host.RepoPath, ".env.eth");

    private string ProposalsFile => PendingProposals.ProposalsPath(_host.RepoPath);

    private string ReceiptsFile => PendingProposals.ReceiptsPath(_host.RepoPath);

    /// <summary>A proposal row as the advisor writes it; by default a warren-auto one raising ETH-USD's spread 1.5 -> 1.6.</summary>
    private void Propose(string id, string param = "MM_SPREAD_MULTIPLIER", string? old = "1.5", string? proposed = "1.6", string market = "ETH-USD", double ts = Ts, bool warren = true, string? envPath = null)
    {
        var row = new JsonObject
        {
            ["proposal_id"] = id, ["ts"] = ts, ["market"] = market, ["env_path"] = envPath ?? Path.Combine(_host.RepoPath, ".env." + market.Split('-')[0].ToLowerInvariant()),
            ["param"] = param, ["old"] = old, ["proposed"] = proposed, ["confidence"] = warren ? "high" : "medium", ["guardrail_status"] = "passed",
            ["rejected"] = false, ["deadman"] = warren, ["escalation_target"] = warren ? "warren" : "human",
        };
        File.AppendAllText(ProposalsFile, row.ToJsonString() + "\n");
    }

    /// <summary>A receipt that ends a proposal, as the apply script writes one.</summary>
    private void Handled(string id) =>
        File.AppendAllText(ReceiptsFile, new JsonObject { ["proposal_id"] = id, ["result"] = "applied" }.ToJsonString() + "\n");

    /// <summary>One command of the advisor, as its cmdlet runs it: prepared, then its one call, its refusals journalled at its end.</summary>
    private void Command(string cmdlet, Action<AdvisorFlow> call, IReadOnlyList<string>? tickets = null, bool force = false)
    {
        _host.CmdletName = cmdlet;
        var flow = new RunbookFlow(_host, tickets) { Force = force };
        var advisor = new AdvisorFlow(flow);
        advisor.Prepare();
        try
        {
            call(advisor);
        }
        finally
        {
            flow.RecordRefusals();
        }
    }

    private void List(string reason = Reason, IReadOnlyList<string>? tickets = null) => Command("Get-MmAdvisorProposal", a => a.GetPending(reason), tickets);

    private void Approve(params string[] ids) => Command("Approve-MmAdvisorProposal", a => a.ApproveProposals(ids, Reason));

    private void ApproveWith(IReadOnlyList<string> tickets, params string[] ids) => Command("Approve-MmAdvisorProposal", a => a.ApproveProposals(ids, Reason), tickets);

    private void Auto(string reason = Reason, IReadOnlyList<string>? tickets = null, bool force = false) => Command("Invoke-MmAdvisorAutoApply", a => a.WarrenAuto(reason), tickets, force);

    private List<HostCommandShape> Ran => _host.Ran.Select(c => c.Shape).ToList();

    // ---------------------------------------------------------------- every advisor command

    [Theory]
    [InlineData(AuditActions.AdvisorList, " ")]
    [InlineData(AuditActions.AdvisorApprove, "a\u202eb")]
    [InlineData(AuditActions.AdvisorWarrenAuto, "")]
    public void A_bad_reason_is_refused_before_anything_runs(string action, string reason)
    {
        Propose("p1");
        var before = _host.Files();

        switch (action)
        {
            case AuditActions.AdvisorList: List(reason); break;
            case AuditActions.AdvisorApprove: Command("Approve-MmAdvisorProposal", a => a.ApproveProposals(["p1"], reason)); break;
            default: Auto(reason); break;
        }

        _host.AssertRefusedBeforeRunning(action, ErrorIds.InvalidReason, before);
    }

    // ---------------------------------------------------------------- Get-MmAdvisorProposal

    [Fact]
    public void The_pending_proposals_are_listed_by_the_script_after_approval_and_journalled()
    {
        Propose("p1");
        Propose("p2", param: "MM_SKEW_MAX_BPS", old: "20", proposed: "25", ts: Ts + 1);
        Handled("p0");

        List();

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Succeeded, null)], _host.EndedAs);
        Assert.Equal("2 pending: p2, p1", _host.Ended[0].Detail);
        Assert.Equal(["p2", "p1"], _host.Output.Cast<AdvisorProposal>().Select(p => p.ProposalId));
        Assert.Equal(EthFile, ((AdvisorProposal)_host.Output[1]).EnvPath);
        Assert.Contains("mm_advisor_apply.py", Assert.Single(_host.Prompts), StringComparison.Ordinal);
    }

    [Fact]
    public void A_protected_keys_values_are_listed_masked_and_shown_nowhere()
    {
        var secret = _host.SecretOf("MM_API_KEY");
        Propose("leak1", param: "MM_API_KEY", old: secret, proposed: "sbx-0123456789abcdef");

        List();

        Assert.Empty(_host.Errors);
        var listed = Assert.IsType<AdvisorProposal>(Assert.Single(_host.Output));
        Assert.Equal((SecretMasker.Mask, SecretMasker.Mask, true), (listed.PreviousValue, listed.NewValue, listed.IsProtected));
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Succeeded, null)], _host.EndedAs);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
        Assert.DoesNotContain("sbx-0123456789abcdef", _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void Under_WhatIf_the_listing_is_only_planned()
    {
        Propose("p1");
        _host.IsWhatIf = true;
        var before = _host.Files();

        List();

        Assert.Contains("--list-pending --json", _host.AssertOnlyTold(before), StringComparison.Ordinal);
    }

    [Fact]
    public void A_person_who_says_No_is_journalled_as_declined_and_nothing_runs()
    {
        _host.Person("No");
        var before = _host.Files();

        List();

        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Declined, null)], _host.EndedAs);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_session_that_cannot_ask_ends_the_script_with_ApprovalRequired()
    {
        _host.Person();
        _host.NotATerminal();

        var stopped = Assert.Throws<FlowTerminatedException>(() => List());

        Assert.True(_host.EndedScript);
        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Refused, ErrorIds.ApprovalRequired)], _host.EndedAs);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void A_restricted_session_lists_with_a_ticket_only()
    {
        Propose("p1");
        _host.Restricted();

        List();

        Assert.Equal([ErrorIds.ApprovalPending], _host.WrittenErrorIds);
        Assert.Empty(_host.Ran);
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();

        List(tickets: [ticket]);

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Equal(
            [(AuditActions.AdvisorList, null, null, AuditOutcome.PendingApproval, ErrorIds.ApprovalPending), (AuditActions.AdvisorList, null, null, AuditOutcome.Succeeded, null)],
            _host.EndedAs);
        Assert.Equal($"Ticket {ticket}", _host.Ended[1].Approval);
        Assert.Equal("p1", Assert.IsType<AdvisorProposal>(Assert.Single(_host.Output)).ProposalId);
    }

    [Theory]
    [MemberData(nameof(FakeFlowContext.HostFaults), MemberType = typeof(FakeFlowContext))]
    public void A_listing_that_fails_is_an_error_and_journalled_as_failed(string fault, string errorId)
    {
        Propose("p1");
        _host.Fault(fault, "list-pending");

        List();

        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Failed, errorId)], _host.EndedAs);
        Assert.Equal(_host.Errors[0].Exception.Message, _host.Ended[0].Detail);
        Assert.Empty(_host.Output);
    }

    [Fact]
    public void A_listing_that_quotes_a_secret_is_masked_in_the_error_and_the_journal()
    {
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault("leak", "list-pending");

        List();

        Assert.Equal([ErrorIds.HostReportedError], _host.WrittenErrorIds);
        Assert.Contains($"MM_API_KEY={SecretMasker.Mask}", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Failed, ErrorIds.HostReportedError)], _host.EndedAs);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_listed_row_the_module_cannot_read_is_an_error()
    {
        File.AppendAllText(ProposalsFile, """{"proposal_id": "p1", "ts": 1795677214, "market": "\ud800", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.6"}""" + "\n");

        List();

        Assert.Equal([ErrorIds.HostOutputInvalid], _host.WrittenErrorIds);
        Assert.Contains("a listed proposal cannot be read", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Failed, ErrorIds.HostOutputInvalid)], _host.EndedAs);
    }

    [Fact]
    public void Files_that_change_after_the_listing_are_not_relied_on()
    {
        Propose("p1");
        var run = _host.Run;
        _host.Run = command =>
        {
            var answered = run(command);
            Propose("p2", ts: Ts + 5);
            return answered;
        };

        List();

        Assert.Equal([ErrorIds.PendingListMismatch], _host.WrittenErrorIds);
        Assert.Contains("(row 1: the script lists 'p1', the files give 'p2')", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Failed, ErrorIds.PendingListMismatch)], _host.EndedAs);
        Assert.Empty(_host.Output);
    }

    [Fact]
    public void A_full_listing_is_completed_from_the_files_with_a_warning()
    {
        for (var i = 0; i < PendingProposals.ListCap + 2; i++)
        {
            Propose($"p{i:00}", ts: Ts + i, warren: false);
        }

        List();

        Assert.Empty(_host.Errors);
        Assert.Contains($"answers at most {PendingProposals.ListCap} proposals", Assert.Single(_host.Warnings), StringComparison.Ordinal);
        Assert.Equal(PendingProposals.ListCap + 2, _host.Output.Count);
        Assert.Equal([(AuditActions.AdvisorList, null, null, AuditOutcome.Succeeded, null)], _host.EndedAs);
    }

    [Fact]
    public void A_journal_torn_while_the_plan_was_read_stops_the_listing()
    {
        Propose("p1");
        _host.ApprovesAfter(_host.TearJournal);

        List();

        Assert.Equal([ErrorIds.AuditJournalTornTail], _host.WrittenErrorIds);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Output);
        // The journal takes no record now: not even that the attempt could not begin (the error says so).
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void Without_python_or_a_readable_policy_nothing_is_asked()
    {
        File.Delete(_host.Options.PythonPath);

        var noPython = Assert.Throws<FlowTerminatedException>(() => List());

        Assert.Equal(ErrorIds.PythonNotFound, noPython.Record.FullyQualifiedErrorId);
        File.CreateSymbolicLink(_host.Options.PythonPath, Support.TestPaths.Python);
        File.WriteAllText(Path.Combine(_host.RepoPath, "mm_config", "policy", "whitelist.json"), "{not json");

        var noPolicy = Assert.Throws<FlowTerminatedException>(() => List());

        Assert.Equal(ErrorIds.PolicyUnreadable, noPolicy.Record.FullyQualifiedErrorId);
        Assert.Empty(_host.Prompts);
        Assert.Empty(_host.Ran);
        Assert.Empty(_host.Errors);
        Assert.Empty(_host.Ended);
    }

    // ---------------------------------------------------------------- Approve-MmAdvisorProposal

    [Fact]
    public void An_approved_proposal_is_applied_by_the_script_and_reported_with_the_new_status()
    {
        Propose("p1");
        var secret = _host.SecretOf("MM_API_KEY");

        Approve("p1");

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending, HostCommandShape.AdvisorApprove, HostCommandShape.MmctlStatusMarket], Ran);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, null)], _host.EndedAs);
        var record = _host.Ended[0];
        Assert.Equal((ApprovalMode.ConfirmFalse, "1.5", "1.6", "ETH-USD: Stopped"), (record.Approval, record.PreviousValue, record.NewValue, record.NewStatus));
        Assert.StartsWith("p1: applied; sha256 ", record.Detail, StringComparison.Ordinal);
        Assert.Equal(Assert.Single(_host.Journalled, r => r.Outcome == AuditOutcome.Intended).Id, record.Attempt);
        var applied = Assert.IsType<ProposalApplication>(Assert.Single(_host.Output));
        Assert.Equal(("p1", "applied", "human", record.Id), (applied.ProposalId, applied.Result, applied.Mode, applied.AuditId));
        Assert.Contains("--proposal-id p1 --approve --json (ETH-USD MM_SPREAD_MULTIPLIER: '1.5' -> '1.6' in " + EthFile + ")", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_that_are_not_proposal_ids_are_refused_and_nothing_runs()
    {
        var before = _host.Files();

        Approve("bad id", "p;1");

        Assert.Equal([ErrorIds.InvalidProposalId, ErrorIds.InvalidProposalId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, null, null, AuditOutcome.Refused, ErrorIds.InvalidProposalId)], _host.EndedAs);
        Assert.Contains("2 ", _host.Ended[0].Detail, StringComparison.Ordinal);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_bad_id_beside_a_good_one_is_refused_and_the_good_one_is_applied()
    {
        Propose("p1");

        Approve("bad id", "p1");

        Assert.Equal([ErrorIds.InvalidProposalId], _host.WrittenErrorIds);
        Assert.Equal(
            [(AuditActions.AdvisorApprove, null, null, AuditOutcome.Refused, ErrorIds.InvalidProposalId), (AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, null)],
            _host.EndedAs);
    }

    [Fact]
    public void An_unknown_and_a_handled_id_are_refused_with_the_scripts_reasons()
    {
        Propose("p1");
        Handled("p1");

        Approve("p1", "nope");

        Assert.Equal([ErrorIds.ProposalNotPending, ErrorIds.ProposalNotFound], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, null, null, AuditOutcome.Refused, ErrorIds.ProposalNotPending)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
    }

    [Fact]
    public void Files_that_become_unreadable_while_one_proposal_is_asked_about_fail_it_and_refuse_the_next()
    {
        Propose("p1");
        _host.ApprovesAfter(() => File.AppendAllBytes(ProposalsFile, [0xFF, 0xFE, (byte)'\n']));

        Approve("p1", "p2");

        // The script cannot read them either: its traceback is no answer.
        Assert.Equal([ErrorIds.HostOutputInvalid, ErrorIds.AdvisorFilesUnreadable], _host.WrittenErrorIds);
        Assert.Equal(
            [(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.HostOutputInvalid), (AuditActions.AdvisorApprove, null, null, AuditOutcome.Refused, ErrorIds.AdvisorFilesUnreadable)],
            _host.EndedAs);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MM_API_KEY", "sbx-0123456789abcdef", ErrorIds.ProtectedKey)]
    [InlineData("MM_ENVIRONMENT", "mainnet", ErrorIds.HumanOnlyKey)]
    [InlineData("MM_SPREAD_MULTIPLIER", "", ErrorIds.EmptyProposedValue)]
    [InlineData("MM_SPREAD_MULTIPLIER", "1.6\nMM_API_KEY=x", ErrorIds.InvalidEnvValue)]
    [InlineData("mm_spread", "1", ErrorIds.InvalidEnvKey)]
    public void A_proposal_the_policy_refuses_never_reaches_the_apply_script(string param, string proposed, string errorId)
    {
        Propose("p1", param: param, proposed: proposed);
        var before = _host.Files();

        Approve("p1");

        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", param, AuditOutcome.Refused, errorId)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Equal(before[EthFile], _host.Files()[EthFile]);
        Assert.DoesNotContain("sbx-0123456789abcdef", _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_proposal_that_would_write_another_markets_file_is_refused()
    {
        Propose("p1", envPath: Path.Combine(_host.RepoPath, ".env.btc"));

        Approve("p1");

        Assert.Equal([ErrorIds.ProposalEnvFileRefused], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Refused, ErrorIds.ProposalEnvFileRefused)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
    }

    [Fact]
    public void Under_WhatIf_the_plan_comes_from_the_files_and_nothing_runs()
    {
        Propose("p1");
        _host.IsWhatIf = true;
        var before = _host.Files();

        Approve("p1");

        Assert.Contains("--proposal-id p1 --approve --json (ETH-USD MM_SPREAD_MULTIPLIER: '1.5' -> '1.6'", _host.AssertOnlyTold(before), StringComparison.Ordinal);
    }

    /// <summary>
    /// A listing that failed before anything was asked: its error, masked, and one Failed record (journalled
    /// although nothing was asked yet: every failure is); nothing else ran, nothing was asked or applied.
    /// </summary>
    /// <param name="notApplied">What the record adds to the error's message.</param>
    private void AssertFailedListingAlone(string errorId, string secret, string action, string notApplied = "")
    {
        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Empty(_host.Prompts);
        Assert.Equal([(action, null, null, AuditOutcome.Failed, errorId)], _host.EndedAs);
        Assert.Equal(_host.Errors[0].Exception.Message + notApplied, _host.Ended[0].Detail);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FakeFlowContext.HostFaults), MemberType = typeof(FakeFlowContext))]
    public void A_listing_that_fails_applies_nothing_and_is_journalled_as_failed_once(string fault, string errorId)
    {
        Propose("p1");
        Propose("p2", ts: Ts + 1);
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault(fault, "list-pending");

        Approve("p1", "p2");

        AssertFailedListingAlone(errorId, secret, AuditActions.AdvisorApprove, " (not applied: p1, p2)");
    }

    [Fact]
    public void In_a_restricted_session_unreadable_files_are_an_error_journalled_as_failed()
    {
        File.WriteAllBytes(ProposalsFile, [0xFF, 0xFE, (byte)'\n']);
        _host.Restricted();
        var before = _host.Files();

        Approve("p1");

        Assert.Equal([ErrorIds.AdvisorFilesUnreadable], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, null, null, AuditOutcome.Failed, ErrorIds.AdvisorFilesUnreadable)], _host.EndedAs);
        Assert.Empty(_host.Approvals.List());
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void Under_WhatIf_unreadable_files_are_an_error_and_nothing_is_journalled()
    {
        File.WriteAllBytes(ProposalsFile, [0xFF, 0xFE, (byte)'\n']);
        _host.IsWhatIf = true;
        var before = _host.Files();

        Approve("p1");

        Assert.Equal([ErrorIds.AdvisorFilesUnreadable], _host.WrittenErrorIds);
        Assert.Empty(_host.Journalled);
        _host.AssertNothingRanOrChanged(before);
    }

    [Fact]
    public void A_person_who_says_No_is_journalled_and_nothing_is_applied()
    {
        Propose("p1");
        _host.Person("No");

        Approve("p1");

        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Declined, null)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_risk_proposal_needs_Force_or_the_market_retyped()
    {
        Propose("p1", param: "MM_MAX_POSITION_SIZE", old: "100", proposed: "100000");

        Approve("p1");

        Assert.Equal([ErrorIds.RiskChangeNeedsForce], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_MAX_POSITION_SIZE", AuditOutcome.Refused, ErrorIds.RiskChangeNeedsForce)], _host.EndedAs);
        _host.Errors.Clear();
        _host.Person("Yes", "ETH-USD");

        Approve("p1");

        Assert.Empty(_host.Errors);
        Assert.Contains("Type ETH-USD to confirm", Assert.Single(_host.LinePrompts), StringComparison.Ordinal);
        Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted + ApprovalMode.WithRetype), (_host.Ended[^1].Outcome, _host.Ended[^1].Approval));
        Assert.Contains("MM_MAX_POSITION_SIZE=100000\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FakeFlowContext.HostFaults), MemberType = typeof(FakeFlowContext))]
    public void An_apply_run_that_fails_is_journalled_as_failed_with_its_error(string fault, string errorId)
    {
        Propose("p1");
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault(fault, "approve");

        Approve("p1");

        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, errorId)], _host.EndedAs);
        Assert.Equal(Assert.Single(_host.Journalled, r => r.Outcome == AuditOutcome.Intended).Id, _host.Ended[0].Attempt);
        Assert.Empty(_host.Output);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_apply_answer_of_the_wrong_shape_is_a_failure()
    {
        Propose("p1");
        var run = _host.Run;
        _host.Run = command => command.Shape == HostCommandShape.AdvisorApprove ? FakeFlowContext.Answered(command, """{"selected": "one"}""") : run(command);

        Approve("p1");

        Assert.Equal([ErrorIds.HostOutputInvalid], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.HostOutputInvalid)], _host.EndedAs);
    }

    [Theory]
    [InlineData(true, ErrorIds.ProposalNotPending)]
    [InlineData(false, ErrorIds.ProposalNotFound)]
    public void A_proposal_handled_or_gone_before_the_script_runs_is_its_reported_failure(bool handled, string errorId)
    {
        Propose("p1");
        _host.BeforeRunning(HostCommandShape.AdvisorApprove, () =>
        {
            if (handled)
            {
                Handled("p1");
            }
            else
            {
                File.WriteAllText(ProposalsFile, string.Empty);
            }
        });

        Approve("p1");

        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, errorId)], _host.EndedAs);
        Assert.Equal(1, _host.Ended[0].ExitCode);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_torn_while_the_script_applies_is_an_error_and_the_application_is_still_reported()
    {
        Propose("p1");
        _host.BeforeRunning(HostCommandShape.AdvisorApprove, _host.TearJournal);

        Approve("p1");

        Assert.Equal([ErrorIds.AuditJournalTornTail], _host.WrittenErrorIds);
        var applied = Assert.IsType<ProposalApplication>(Assert.Single(_host.Output));
        Assert.Equal(("applied", (string?)null), (applied.Result, applied.AuditId));
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Empty(_host.Ended);
    }

    [Fact]
    public void A_value_already_there_is_journalled_as_no_change()
    {
        Propose("p1");
        _host.BeforeRunning(HostCommandShape.AdvisorApprove, () => File.WriteAllText(EthFile, File.ReadAllText(EthFile).Replace("MM_SPREAD_MULTIPLIER=1.5", "MM_SPREAD_MULTIPLIER=1.6", StringComparison.Ordinal)));

        Approve("p1");

        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.NoChange, null)], _host.EndedAs);
        Assert.Equal("skipped", Assert.IsType<ProposalApplication>(Assert.Single(_host.Output)).Result);
        Assert.DoesNotContain(HostCommandShape.MmctlStatusMarket, Ran);
    }

    [Fact]
    public void A_value_changed_meanwhile_is_the_scripts_failure_and_an_error()
    {
        Propose("p1");
        _host.BeforeRunning(HostCommandShape.AdvisorApprove, () => File.WriteAllText(EthFile, File.ReadAllText(EthFile).Replace("MM_SPREAD_MULTIPLIER=1.5", "MM_SPREAD_MULTIPLIER=2", StringComparison.Ordinal)));

        Approve("p1");

        Assert.Equal([ErrorIds.AdvisorApplyFailed], _host.WrittenErrorIds);
        Assert.Contains("current_value_mismatch", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.AdvisorApplyFailed)], _host.EndedAs);
        Assert.Equal("failed", Assert.IsType<ProposalApplication>(Assert.Single(_host.Output)).Result);
    }

    [Fact]
    public void A_restricted_session_plans_from_the_files_and_its_ticket_runs_the_listing_then_the_apply()
    {
        Propose("p1");
        _host.Restricted();
        var before = _host.Files();

        Approve("p1");

        Assert.Equal([ErrorIds.ApprovalPending], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.PendingApproval, ErrorIds.ApprovalPending)], _host.EndedAs);
        Assert.Empty(_host.Ran);
        Assert.Equal(before[EthFile], _host.Files()[EthFile]);
        var request = Assert.Single(_host.Approvals.List());
        Assert.Contains("(confirms the proposals below are pending), then ", request.Plan, StringComparison.Ordinal);
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();

        ApproveWith([ticket], "p1");

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending, HostCommandShape.AdvisorApprove, HostCommandShape.MmctlStatusMarket], Ran);
        Assert.Equal((AuditOutcome.Succeeded, $"Ticket {ticket}"), (_host.Ended[^1].Outcome, _host.Ended[^1].Approval));
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.6\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_ticket_whose_proposal_was_handled_since_the_plan_applies_nothing()
    {
        Propose("p1");
        _host.Restricted();
        Approve("p1");
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();
        _host.BeforeRunning(HostCommandShape.AdvisorListPending, () => Handled("p1"));

        ApproveWith([ticket], "p1");

        Assert.Equal([ErrorIds.PendingListMismatch], _host.WrittenErrorIds);
        Assert.Equal((AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.PendingListMismatch), _host.EndedAs[^1]);
        Assert.Equal(HostCommand.AdvisorListPending(_host.Options).Argv, _host.Ended[^1].Argv);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Equal(ApprovalState.Used, Assert.Single(_host.Approvals.List()).State);
    }

    // ---------------------------------------------------------------- Invoke-MmAdvisorAutoApply

    [Fact]
    public void Warren_auto_applies_exactly_the_planned_proposals_in_order()
    {
        Propose("p1");
        Propose("p2", market: "BTC-USD", ts: Ts + 1);
        Propose("h1", param: "MM_SKEW_MAX_BPS", old: "20", proposed: "25", warren: false);

        Auto();

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending, HostCommandShape.AdvisorWarrenAuto, HostCommandShape.MmctlStatusMarket, HostCommandShape.MmctlStatusMarket], Ran);
        Assert.Equal(
            [(AuditActions.AdvisorWarrenAuto, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, null), (AuditActions.AdvisorWarrenAuto, "BTC-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, null)],
            _host.EndedAs);
        Assert.Equal(["p1", "p2"], _host.Output.Cast<ProposalApplication>().Select(a => a.ProposalId));
        Assert.All(_host.Output.Cast<ProposalApplication>(), a => Assert.Equal("warren-auto", a.Mode));
        Assert.Contains("applies 2, in this order: p1: ETH-USD MM_SPREAD_MULTIPLIER: '1.5' -> '1.6' in .env.eth; p2: BTC-USD", Assert.Single(_host.Prompts), StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_eligible_is_a_warning_and_one_no_change_record()
    {
        Propose("h1", warren: false);

        Auto();

        Assert.Empty(_host.Errors);
        Assert.Contains("No pending proposal is eligible for warren-auto", Assert.Single(_host.Warnings), StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorWarrenAuto, null, null, AuditOutcome.NoChange, null)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Empty(_host.Prompts);
    }

    [Fact]
    public void Under_WhatIf_nothing_eligible_is_a_warning_only_and_an_eligible_plan_is_printed()
    {
        _host.IsWhatIf = true;
        var before = _host.Files();

        Auto();

        Assert.Single(_host.Warnings);
        Assert.Empty(_host.HostText);
        Propose("p1");
        before = _host.Files();

        Auto();

        Assert.Contains("--mode warren-auto --approve --json (applies 1, in this order: p1:", _host.AssertOnlyTold(before), StringComparison.Ordinal);
    }

    [Fact]
    public void One_refused_proposal_among_the_eligible_stops_the_whole_run()
    {
        Propose("p1");
        Propose("bad", param: "MM_API_KEY", old: "x", proposed: "sbx-0123456789abcdef", ts: Ts + 1);

        var stopped = Assert.Throws<FlowTerminatedException>(() => Auto());

        Assert.Equal(ErrorIds.ProtectedKey, stopped.Record.FullyQualifiedErrorId);
        Assert.EndsWith("warren-auto would apply it with the others, so nothing is run.", stopped.Record.Exception.Message, StringComparison.Ordinal);
        Assert.False(_host.EndedScript);
        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorWarrenAuto, "ETH-USD", "MM_API_KEY", AuditOutcome.Refused, ErrorIds.ProtectedKey)], _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.DoesNotContain("sbx-0123456789abcdef", _host.Everything(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FakeFlowContext.HostFaults), MemberType = typeof(FakeFlowContext))]
    public void A_listing_that_fails_runs_nothing_more_and_is_journalled_as_failed(string fault, string errorId)
    {
        Propose("p1");
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault(fault, "list-pending");

        Auto();

        AssertFailedListingAlone(errorId, secret, AuditActions.AdvisorWarrenAuto);
    }

    [Fact]
    public void Under_ErrorAction_Stop_a_failed_listing_is_journalled_before_its_error_stops_the_command()
    {
        Propose("p1");
        _host.Fault("garbage", "list-pending");
        _host.StopsOnError = true;

        Assert.Throws<ActionPreferenceStopException>(() => Auto());

        Assert.Equal([ErrorIds.HostOutputInvalid], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorWarrenAuto, null, null, AuditOutcome.Failed, ErrorIds.HostOutputInvalid)], _host.EndedAs);
    }

    [Fact]
    public void A_restricted_ticket_whose_listing_fails_says_why_and_applies_nothing()
    {
        Propose("p1");
        _host.Restricted();
        Approve("p1");
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();
        _host.Fault("garbage", "list-pending");

        ApproveWith([ticket], "p1");

        Assert.Equal([ErrorIds.HostOutputInvalid, ErrorIds.PendingListMismatch], _host.WrittenErrorIds);
        Assert.Equal((AuditActions.AdvisorApprove, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.PendingListMismatch), _host.EndedAs[^1]);
        Assert.Equal(2, _host.EndedAs.Count);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void Risk_proposals_of_several_markets_are_confirmed_by_typing_warren_auto()
    {
        Propose("p1", param: "MM_MAX_POSITION_SIZE", old: "100", proposed: "100000");
        Propose("p2", param: "MM_MAX_POSITION_SIZE", old: "100", proposed: "100000", market: "BTC-USD", ts: Ts + 1);
        _host.Person("Yes", "warren-auto");

        Auto();

        Assert.Empty(_host.Errors);
        Assert.Contains("Type warren-auto to confirm", Assert.Single(_host.LinePrompts), StringComparison.Ordinal);
        Assert.All(_host.Ended, r => Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted + ApprovalMode.WithRetype), (r.Outcome, r.Approval)));
        Assert.Equal(2, _host.Ended.Count);
    }

    [Fact]
    public void Warren_auto_with_Force_names_the_mainnet_markets_and_applies()
    {
        File.AppendAllText(Path.Combine(_host.RepoPath, ".env.btc"), "MM_ENVIRONMENT=mainnet\n");
        _host.Catalog = MarketCatalog.Load(_host.RepoPath);
        Propose("p1", param: "MM_MAX_POSITION_SIZE", old: "100", proposed: "100000", market: "BTC-USD");

        Auto(force: true);

        Assert.Empty(_host.Errors);
        Assert.Contains("\n- Environment: MAINNET (real money)", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorWarrenAuto, "BTC-USD", "MM_MAX_POSITION_SIZE", AuditOutcome.Succeeded, null)], _host.EndedAs);
        Assert.Equal(ApprovalMode.ConfirmFalse + ApprovalMode.WithForce, _host.Ended[0].Approval);
    }

    [Fact]
    public void A_proposal_added_before_the_run_is_applied_unplanned_and_a_planned_one_handled_meanwhile_is_missed()
    {
        Propose("p1");
        Propose("p2", market: "BTC-USD", ts: Ts + 1);
        _host.BeforeRunning(HostCommandShape.AdvisorWarrenAuto, () =>
        {
            Handled("p2");
            Propose("p3", param: "MM_SKEW_MAX_BPS", old: "20", proposed: "25", ts: Ts + 2);
        });

        Auto();

        Assert.Equal([ErrorIds.AutoApplyUnplanned, ErrorIds.AutoApplyNotApplied], _host.WrittenErrorIds);
        Assert.Equal(
            [
                (AuditActions.AdvisorWarrenAuto, "ETH-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Succeeded, null),
                (AuditActions.AdvisorWarrenAuto, null, null, AuditOutcome.Succeeded, null),
                (AuditActions.AdvisorWarrenAuto, "BTC-USD", "MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.AutoApplyNotApplied),
            ],
            _host.EndedAs);
        Assert.Equal(["p1", "p3"], _host.Output.Cast<ProposalApplication>().Select(a => a.ProposalId));
    }

    [Fact]
    public void A_restricted_warren_auto_whose_selection_changed_since_the_plan_applies_nothing()
    {
        Propose("p1");
        _host.Restricted();
        Auto();
        Assert.Equal([ErrorIds.ApprovalPending], _host.WrittenErrorIds);
        Assert.Empty(_host.Ran);
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();
        _host.BeforeRunning(HostCommandShape.AdvisorListPending, () => Propose("p2", market: "BTC-USD", ts: Ts + 1));

        Auto(tickets: [ticket]);

        Assert.Equal([ErrorIds.PendingListMismatch], _host.WrittenErrorIds);
        Assert.Equal(
            [
                (AuditActions.AdvisorWarrenAuto, null, null, AuditOutcome.PendingApproval, ErrorIds.ApprovalPending),
                (AuditActions.AdvisorWarrenAuto, null, null, AuditOutcome.Failed, ErrorIds.PendingListMismatch),
            ],
            _host.EndedAs);
        Assert.Equal([HostCommandShape.AdvisorListPending], Ran);
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.5\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_restricted_warren_auto_with_its_ticket_applies_the_plan()
    {
        Propose("p1");
        _host.Restricted();
        Auto();
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();

        Auto(tickets: [ticket]);

        Assert.Empty(_host.Errors);
        Assert.Equal([HostCommandShape.AdvisorListPending, HostCommandShape.AdvisorWarrenAuto, HostCommandShape.MmctlStatusMarket], Ran);
        Assert.Equal((AuditOutcome.Succeeded, $"Ticket {ticket}"), (_host.Ended[^1].Outcome, _host.Ended[^1].Approval));
    }
}
