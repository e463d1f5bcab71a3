using System.Text.Json.Nodes;

namespace MmOperator.Tests.Flow;

/// <summary>
/// Every branch of Submit-MmAdvisorProposal's flow on a fake host over a real sandbox: rows checked by the
/// module, then submitted in one call of the sandbox's real mm_advisor_submit.py through a private file.
/// </summary>
public sealed class ProposalSubmissionTests : IDisposable
{
    private const string Reason = "widen after the incident";
    private readonly FakeFlowContext _host = FakeFlowContext.OnSandbox("eth", "btc");
    private readonly TempDir _temp = new();
    private ProposalSubmission? _submission;
    private RunbookFlow? _flow;

    public ProposalSubmissionTests()
    {
        _host.CmdletName = "Submit-MmAdvisorProposal";
        // The session's TMPDIR, where the private file is written: a test sees it come and go.
        _host.Caller = new CallerIdentity(name => name == "TMPDIR" ? _temp.Path : null, new Dictionary<string, string>());
    }

    public void Dispose()
    {
        _host.Dispose();
        _temp.Dispose();
    }

    private string ProposalsFile => PendingProposals.ProposalsPath(_host.RepoPath);

    /// <summary>The command under way: prepared when first used, as the cmdlet's BeginProcessing does.</summary>
    private ProposalSubmission Submission
    {
        get
        {
            if (_submission is null)
            {
                _flow = new RunbookFlow(_host, _tickets);
                _submission = new ProposalSubmission(new AdvisorFlow(_flow));
                _submission.Prepare();
            }

            return _submission;
        }
    }

    private IReadOnlyList<string>? _tickets;

    /// <summary>One piped row, as Submit-MmAdvisorProposal collects it.</summary>
    private void Row(string market = "eth", string param = "MM_SKEW_MAX_BPS", string proposed = "25", string? reason = null, string? confidence = null) =>
        Submission.Collect((where, catalog, policy) => ProposalRow.Create(market, param, proposed, reason, confidence, null, null, where, catalog, policy));

    /// <summary>The command's end: the submission, then its refusals journalled; a next command starts afresh.</summary>
    private void Submit(string reason = Reason, bool rowReasons = false)
    {
        try
        {
            Submission.Submit(reason, rowReasons);
        }
        finally
        {
            _flow!.RecordRefusals();
            _submission = null;
        }
    }

    private string[] Submitted => File.Exists(ProposalsFile) ? File.ReadAllLines(ProposalsFile) : [];

    /// <summary>Nothing ran or changed, and no private file was left in the session's temporary folder.</summary>
    private void AssertNothingRanOrWritten(IReadOnlyDictionary<string, string> before)
    {
        _host.AssertNothingRanOrChanged(before);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Approved_rows_are_submitted_in_one_call_through_a_private_file_that_is_removed()
    {
        string[]? written = null;
        UnixFileMode? mode = null;
        var run = _host.Run;
        _host.Run = command =>
        {
            var file = Assert.Single(Directory.GetFiles(_temp.Path));
            (written, mode) = (File.ReadAllLines(file), File.GetUnixFileMode(file));
            return run(command);
        };
        Row();
        Row(market: "btc", proposed: "30", confidence: "high");

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Equal(2, written!.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
        Assert.Equal(HostCommandShape.AdvisorSubmit, Assert.Single(_host.Ran).Shape);
        Assert.Equal([(AuditActions.AdvisorSubmit, "ETH-USD,BTC-USD", "MM_SKEW_MAX_BPS", AuditOutcome.Succeeded, null)], _host.EndedAs);
        var submission = Assert.IsType<AdvisorSubmission>(Assert.Single(_host.Output));
        Assert.Equal((true, 2, 2, _host.Ended[0].Id, ApprovalMode.ConfirmFalse), (submission.Ok, submission.Created, submission.Written, submission.AuditId, submission.Approval));
        Assert.Equal($"created {string.Join(", ", submission.ProposalIds)}", _host.Ended[0].Detail);
        Assert.Equal(2, Submitted.Length);
        var plan = Assert.Single(_host.Prompts);
        Assert.Contains("--input-jsonl '<private temporary file>' --json (2 proposal(s): 1: ETH-USD MM_SKEW_MAX_BPS -> '25'", plan, StringComparison.Ordinal);
        Assert.Contains("; 2: BTC-USD MM_SKEW_MAX_BPS -> '30' (confidence high", plan, StringComparison.Ordinal);
        Assert.Equal(Assert.Single(_host.Journalled, r => r.Outcome == AuditOutcome.Intended).Id, _host.Ended[0].Attempt);
    }

    [Fact]
    public void The_rows_own_reasons_are_the_reason_when_they_give_any()
    {
        Row(reason: "skew too tight");
        Row(market: "btc", reason: "same for btc");

        Submit(reason: "unused", rowReasons: true);

        Assert.Empty(_host.Errors);
        Assert.Equal("skew too tight; same for btc", _host.Ended[0].Reason);
        Assert.Equal("skew too tight; same for btc", Assert.IsType<AdvisorSubmission>(Assert.Single(_host.Output)).Reason);
        Assert.Contains("reason 'skew too tight'", Assert.Single(_host.Prompts), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_reason_is_refused_and_nothing_runs()
    {
        Row();
        var before = _host.Files();

        Submit(reason: "\u001b[2J");

        Assert.Equal([ErrorIds.InvalidReason], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.InvalidReason)], _host.EndedAs);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void No_rows_at_all_is_refused()
    {
        var before = _host.Files();

        Submit();

        Assert.Equal([ErrorIds.InvalidProposalRow], _host.WrittenErrorIds);
        Assert.Equal("There are no proposals to submit. Nothing was run.", _host.Errors[0].Exception.Message);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.InvalidProposalRow)], _host.EndedAs);
        Assert.Equal("Nothing was submitted: there are no proposals to submit", _host.Ended[0].Detail);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void One_refused_row_means_nothing_is_submitted_and_every_refusal_is_written_with_one_record()
    {
        Row();
        Row(param: "MM_API_KEY", proposed: "x");
        Row(market: "doge");
        Row(param: "MM_MARKET_NAME", proposed: "SOL-USD");
        Row(proposed: "");
        Row(confidence: "certain");
        var before = _host.Files();

        Submit();

        Assert.Equal([ErrorIds.ProtectedKey, ErrorIds.UnknownMarket, ErrorIds.HumanOnlyKey, ErrorIds.InvalidProposalRow, ErrorIds.InvalidProposalRow], _host.WrittenErrorIds);
        Assert.Equal(["row 2", "row 3", "row 4", "row 5", "row 6"], _host.Errors.Select(e => e.TargetObject));
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.ProtectedKey)], _host.EndedAs);
        Assert.StartsWith("Nothing was submitted: 5 row(s) were", _host.Ended[0].Detail, StringComparison.Ordinal);
        Assert.Empty(_host.Prompts);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void A_row_reason_that_quotes_a_secret_is_refused_and_the_secret_shows_nowhere()
    {
        var secret = _host.SecretOf("MM_API_KEY");
        Row(reason: $"MM_API_KEY={secret}");

        Submit(rowReasons: true);

        Assert.Equal([ErrorIds.InvalidReason], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.InvalidReason)], _host.EndedAs);
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void The_row_after_the_limit_stops_the_command_and_nothing_is_submitted()
    {
        for (var i = 0; i < ProposalSubmission.MaxRows; i++)
        {
            Submission.Collect((where, catalog, policy) => new ProposalRow("ETH-USD", "MM_SKEW_MAX_BPS", "25", null, "medium", "human", false));
        }

        var stopped = Assert.Throws<FlowTerminatedException>(() => Row());

        Assert.Equal(ErrorIds.ProposalRowLimit, stopped.Record.FullyQualifiedErrorId);
        Assert.Equal("row 1001", stopped.Record.TargetObject);
        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.ProposalRowLimit)], _host.EndedAs);
        Assert.Empty(_host.Ran);
        Assert.Empty(Submitted);
    }

    [Fact]
    public void Rows_of_a_file_are_named_by_its_lines()
    {
        var file = _temp.Write("rows.jsonl", """{"market": "eth", "param": "MM_SKEW_MAX_BPS", "proposed": "25"}""" + "\n\n" + """{"market": "eth", "param": "MM_API_KEY", "proposed": "x"}""" + "\n" + """{"market": "eth", "env_file": ".env.btc"}""" + "\n[1]\n");
        var before = _host.Files();

        Submission.ReadFile(file);
        File.Delete(file);
        Submit();

        Assert.Equal([ErrorIds.ProtectedKey, ErrorIds.InvalidProposalRow, ErrorIds.InvalidProposalRow], _host.WrittenErrorIds);
        Assert.Equal(["rows.jsonl line 3", "rows.jsonl line 4", "rows.jsonl line 5"], _host.Errors.Select(e => e.TargetObject));
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.ProtectedKey)], _host.EndedAs);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void A_file_of_good_rows_is_submitted()
    {
        var file = _temp.Write("rows.jsonl", """{"market": "eth", "param": "MM_SKEW_MAX_BPS", "proposed": 25, "deadman": true}""" + "\n");
        Submission.ReadFile(file);
        File.Delete(file);

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorSubmit, "ETH-USD", "MM_SKEW_MAX_BPS", AuditOutcome.Succeeded, null)], _host.EndedAs);
        Assert.True(JsonNode.Parse(Assert.Single(Submitted))!["deadman"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("large")]
    [InlineData("not-utf8")]
    [InlineData("device")]
    [InlineData("folder")]
    public void A_file_that_is_not_a_readable_proposals_file_is_refused(string kind)
    {
        var path = kind switch
        {
            "missing" => Path.Combine(_temp.Path, "none.jsonl"),
            "large" => _temp.Write("big.jsonl", new string(' ', (1024 * 1024) + 1)),
            "not-utf8" => _temp.Write("bad.jsonl", "x"),
            "device" => "/dev/zero",
            _ => _temp.Path,
        };
        if (kind == "not-utf8")
        {
            File.WriteAllBytes(path, [0xC3, 0x28, (byte)'\n']);
        }

        Submission.ReadFile(path);
        foreach (var file in Directory.GetFiles(_temp.Path))
        {
            File.Delete(file);
        }

        var before = _host.Files();

        Submit();

        Assert.Equal([ErrorIds.InvalidProposalRow], _host.WrittenErrorIds);
        Assert.Contains("is not a readable proposals file of at most 1 MB", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Refused, ErrorIds.InvalidProposalRow)], _host.EndedAs);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void Under_WhatIf_the_plan_is_printed_and_nothing_is_written_run_or_journalled()
    {
        _host.IsWhatIf = true;
        Row();
        var before = _host.Files();

        Submit();

        Assert.Contains("(1 proposal(s): 1: ETH-USD MM_SKEW_MAX_BPS -> '25'", _host.AssertOnlyTold(before), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void A_person_who_says_No_is_journalled_and_nothing_is_written()
    {
        _host.Person("No");
        Row();
        var before = _host.Files();

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Declined, null)], _host.EndedAs);
        AssertNothingRanOrWritten(before);
    }

    [Fact]
    public void A_person_who_says_Yes_submits_and_a_session_that_cannot_ask_ends_the_script()
    {
        _host.Person("Yes", FakeFlowContext.EndOfInput);
        Row();

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Equal((AuditOutcome.Succeeded, ApprovalMode.Prompted), (Assert.Single(_host.Ended).Outcome, _host.Ended[0].Approval));
        Row(proposed: "26");

        var stopped = Assert.Throws<FlowTerminatedException>(() => Submit());

        Assert.Equal(ErrorIds.ApprovalRequired, stopped.Record.FullyQualifiedErrorId);
        Assert.True(_host.EndedScript);
        Assert.Equal((AuditActions.AdvisorSubmit, (string?)null, (string?)null, AuditOutcome.Refused, ErrorIds.ApprovalRequired), _host.EndedAs[^1]);
        Assert.Single(Submitted);
    }

    [Fact]
    public void A_restricted_session_files_a_request_and_its_ticket_submits_exactly_those_rows()
    {
        _host.Restricted();
        Row();
        var before = _host.Files();

        Submit();

        Assert.Equal([ErrorIds.ApprovalPending], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.PendingApproval, ErrorIds.ApprovalPending)], _host.EndedAs);
        Assert.Empty(_host.Ran);
        Assert.Empty(Submitted);
        Assert.Equal([Assert.Single(_host.Approvals.List()).Values[0]], [new ProposalRow("ETH-USD", "MM_SKEW_MAX_BPS", "25", null, "medium", "human", false).ToJsonLine()]);
        var ticket = Assert.Single(_host.HumanApprovesAll());
        _host.Errors.Clear();
        _tickets = [ticket];
        Row(proposed: "26");

        Submit();

        Assert.Equal([ErrorIds.ApprovalRejected], _host.WrittenErrorIds);
        Assert.Empty(Submitted);
        _host.Errors.Clear();
        Row();

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Equal((AuditOutcome.Succeeded, $"Ticket {ticket}"), (_host.Ended[^1].Outcome, _host.Ended[^1].Approval));
        Assert.Single(Submitted);
    }

    [Fact]
    public void A_journal_torn_while_the_plan_was_read_stops_the_submission_before_its_file_is_written()
    {
        _host.ApprovesAfter(_host.TearJournal);
        Row();

        Submit();

        Assert.Equal([ErrorIds.AuditJournalTornTail], _host.WrittenErrorIds);
        Assert.Empty(_host.Ran);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
        Assert.Empty(Submitted);
        // The journal takes no record now: not even that the attempt could not begin (the error says so).
        Assert.Empty(_host.Journalled);
    }

    [Theory]
    [MemberData(nameof(FakeFlowContext.HostFaults), MemberType = typeof(FakeFlowContext))]
    public void A_submit_run_that_fails_is_journalled_as_failed_and_its_file_removed(string fault, string errorId)
    {
        var secret = _host.SecretOf("MM_API_KEY");
        _host.Fault(fault, "submit");
        Row();

        Submit();

        Assert.Equal([errorId], _host.WrittenErrorIds);
        Assert.Equal([(AuditActions.AdvisorSubmit, null, null, AuditOutcome.Failed, errorId)], _host.EndedAs);
        Assert.Empty(_host.Output);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
        Assert.DoesNotContain(secret, _host.Everything(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_torn_while_the_script_submits_is_an_error_and_the_submission_is_still_reported()
    {
        _host.BeforeRunning(HostCommandShape.AdvisorSubmit, _host.TearJournal);
        Row();

        Submit();

        Assert.Equal([ErrorIds.AuditJournalTornTail], _host.WrittenErrorIds);
        var submission = Assert.IsType<AdvisorSubmission>(Assert.Single(_host.Output));
        Assert.Equal((true, (string?)null), (submission.Ok, submission.AuditId));
        Assert.Single(Submitted);
        Assert.Empty(_host.Ended);
    }

    [Fact]
    public void Rows_the_script_rejects_are_its_all_or_nothing_failure_named_by_row()
    {
        Row();
        Row(param: "MM_SPREAD_MULTIPLIER", proposed: "1.6");
        var whitelist = Path.Combine(_host.RepoPath, "mm_config", "policy", "whitelist.json");
        var run = _host.Run;
        _host.Run = command =>
        {
            // The host's policy changes after the module read it.
            File.WriteAllText(whitelist, File.ReadAllText(whitelist).Replace("\"MM_SPREAD_MULTIPLIER\",", string.Empty, StringComparison.Ordinal));
            return run(command);
        };

        Submit();

        Assert.Equal([ErrorIds.AdvisorSubmitRejected], _host.WrittenErrorIds);
        var submission = Assert.IsType<AdvisorSubmission>(Assert.Single(_host.Output));
        Assert.Equal((false, 1, 0), (submission.Ok, submission.ExitCode, submission.Written));
        Assert.Equal(["row 2: param not whitelisted: MM_SPREAD_MULTIPLIER"], submission.Failures);
        Assert.Equal([(AuditActions.AdvisorSubmit, "ETH-USD", "MM_SKEW_MAX_BPS,MM_SPREAD_MULTIPLIER", AuditOutcome.Failed, ErrorIds.AdvisorSubmitRejected)], _host.EndedAs);
        Assert.Equal("nothing written: row 2: param not whitelisted: MM_SPREAD_MULTIPLIER", _host.Ended[0].Detail);
        Assert.Empty(Submitted);
    }

    [Fact]
    public void A_failure_on_a_line_the_module_did_not_send_is_named_by_its_line()
    {
        Row();
        _host.Run = command => FakeFlowContext.Answered(command, """{"ok": false, "created": 0, "written": 0, "failed": 1, "proposals_path": "/p", "proposal_ids": [], "failures": [{"line": 7, "error": "invalid row"}]}""", exitCode: 1);

        Submit();

        Assert.Equal([ErrorIds.AdvisorSubmitRejected], _host.WrittenErrorIds);
        Assert.Equal(["line 7: invalid row"], Assert.IsType<AdvisorSubmission>(Assert.Single(_host.Output)).Failures);
        Assert.Equal([(AuditActions.AdvisorSubmit, "ETH-USD", "MM_SKEW_MAX_BPS", AuditOutcome.Failed, ErrorIds.AdvisorSubmitRejected)], _host.EndedAs);
    }

    [Fact]
    public void A_mainnet_market_is_named_in_the_plan()
    {
        File.AppendAllText(Path.Combine(_host.RepoPath, ".env.btc"), "MM_ENVIRONMENT=mainnet\n");
        _host.Catalog = MarketCatalog.Load(_host.RepoPath);
        Row(market: "btc");

        Submit();

        Assert.Empty(_host.Errors);
        Assert.Contains("\n- Environment: MAINNET (real money): BTC-USD\n", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal([(AuditActions.AdvisorSubmit, "BTC-USD", "MM_SKEW_MAX_BPS", AuditOutcome.Succeeded, null)], _host.EndedAs);
    }
}
