using System.Text.Json;

namespace MmOperator.Tests.Flow;

/// <summary>
/// Nothing runs unrecorded: the intent is on disk before a change starts, a journal that cannot take it
/// stops every change but a person's stop (whose records go to the system log), and what one command
/// adds to the journal is bounded.
/// </summary>
public sealed class JournalFirstTests : IDisposable
{
    private const string Reason = "SEV1: spreads blew out";
    private const string Stopped = """{"status": "stopped", "pid": 8593}""";
    private const string StatusStopped = """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "stopped", "pid": null, "market": "ETH-USD", "env": "/r/.env.eth"}]}""";
    private static readonly Market[] Eth = [Market.Parse("eth")];
    private readonly FakeFlowContext _host = new();

    public void Dispose() => _host.Dispose();

    private ActionResult Result => Assert.IsType<ActionResult>(Assert.Single(_host.Output));

    /// <summary>mmctl stops with <paramref name="stop"/>; logger (the system log) answers with <paramref name="logger"/>, its records kept.</summary>
    private List<JsonElement> Answer(string stop = Stopped, HostRunResult? logger = null)
    {
        var logged = new List<JsonElement>();
        _host.Run = command => command.Shape switch
        {
            HostCommandShape.SystemLog => Logged(command, logged, logger),
            HostCommandShape.MmctlStop => FakeFlowContext.Answered(command, stop),
            _ => FakeFlowContext.Answered(command, StatusStopped),
        };
        return logged;
    }

    private static HostRunResult Logged(HostCommand command, List<JsonElement> logged, HostRunResult? answer)
    {
        logged.Add(JsonDocument.Parse(command.Arguments[^1]).RootElement.Clone());
        return answer is null ? FakeFlowContext.Answered(command, string.Empty) : answer with { Command = command };
    }

    /// <summary>The journal ends in half a record, as a write cut short leaves it.</summary>
    private byte[] Tear()
    {
        _host.Journal.Append(new AuditRecord { Action = "status", Outcome = AuditOutcome.NoChange });
        File.AppendAllText(_host.Options.AuditLogPath, "{\"prev_hash\":\"");
        return File.ReadAllBytes(_host.Options.AuditLogPath);
    }

    [Fact]
    public void The_intent_is_on_disk_before_mmctl_runs_and_the_record_of_its_end_names_it()
    {
        AuditRecord[]? onDisk = null;
        _host.Run = command =>
        {
            onDisk ??= [.. _host.Journalled];
            return FakeFlowContext.Answered(command, command.Shape == HostCommandShape.MmctlStop ? Stopped : StatusStopped);
        };

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Eth, Reason);

        var intent = Assert.Single(onDisk!);
        Assert.Equal((AuditOutcome.Intended, "stop", "ETH-USD", Reason), (intent.Outcome, intent.Action, intent.Market, intent.Reason));
        Assert.Equal(_host.Ran[0].Argv, intent.Argv);
        var ended = Assert.Single(_host.Ended);
        Assert.Equal((AuditOutcome.Succeeded, intent.Id), (ended.Outcome, ended.Attempt));
        Assert.Equal(ended.Id, Result.AuditId);
    }

    [Fact]
    public void A_torn_journal_refuses_every_change_before_anything_runs()
    {
        var env = Path.Combine(_host.RepoPath, ".env.eth");
        var before = File.ReadAllText(env);
        var torn = Tear();

        var refused = Assert.Throws<FlowTerminatedException>(() => new RunbookFlow(_host).PrepareStateChange());
        new RunbookFlow(_host).ApproveAndRun(MarketAction.Start, Eth, Reason);
        new EnvEditFlow(new RunbookFlow(_host), "set").Run(new EnvEditRequest(Eth, false, "MM_SPREAD_MULTIPLIER", false, Reason, _ => "1.6"));

        Assert.Equal(ErrorIds.AuditJournalTornTail, refused.Record.FullyQualifiedErrorId);
        Assert.Contains("Test-MmAuditLog", refused.Record.Exception.Message, StringComparison.Ordinal);
        Assert.Equal([ErrorIds.AuditJournalTornTail, ErrorIds.AuditJournalTornTail], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Empty(_host.Ran);
        Assert.Equal(before, File.ReadAllText(env));
        Assert.Equal(torn, File.ReadAllBytes(_host.Options.AuditLogPath));
    }

    [Fact]
    public void The_agents_stop_is_refused_too()
    {
        Tear();
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;

        var refused = Assert.Throws<FlowTerminatedException>(() => new RunbookFlow(_host).PrepareStateChange(stopsOnly: true));

        Assert.Equal(ErrorIds.AuditJournalTornTail, refused.Record.FullyQualifiedErrorId);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void A_persons_stop_still_runs_and_its_records_go_to_the_system_log()
    {
        var torn = Tear();
        var logged = Answer();
        var flow = new RunbookFlow(_host);

        flow.PrepareStateChange(stopsOnly: true);
        flow.ApproveAndRun(MarketAction.Stop, Eth, Reason);

        Assert.Equal(ActionOutcome.Succeeded, Result.Outcome);
        Assert.Equal([HostCommandShape.SystemLog, HostCommandShape.MmctlStop, HostCommandShape.MmctlStatusMarket, HostCommandShape.SystemLog], _host.Ran.Select(c => c.Shape));
        Assert.Equal(["--socket-errors=on", "--socket", "/dev/log", "--tag", "mmoperator"], _host.Ran[0].Arguments.Take(5));
        var (intent, ended) = (logged[0], logged[1]);
        Assert.Equal(("Intended", "stop", "ETH-USD", Reason), (intent.GetProperty("outcome").GetString(), intent.GetProperty("action").GetString(), intent.GetProperty("market").GetString(), intent.GetProperty("reason").GetString()));
        Assert.Equal(("Succeeded", intent.GetProperty("id").GetString()), (ended.GetProperty("outcome").GetString(), ended.GetProperty("attempt").GetString()));
        Assert.Equal(ended.GetProperty("id").GetString(), Result.AuditId);
        Assert.Equal(3, _host.Warnings.Count(w => w.StartsWith("THE AUDIT JOURNAL TAKES NO RECORDS: ", StringComparison.Ordinal) && w.Contains("a write was cut short", StringComparison.Ordinal)));
        Assert.Contains(_host.Warnings, w => w.Contains("went to the system log", StringComparison.Ordinal));
        Assert.Equal(torn, File.ReadAllBytes(_host.Options.AuditLogPath));
    }

    [Fact]
    public void A_persons_stop_whose_system_log_fails_too_says_the_warning_is_its_only_record()
    {
        Tear();
        Answer(logger: new HostRunResult(HostCommand.MmctlStatus(_host.Options), HostRunStatus.Completed, 1, string.Empty, "logger: socket /dev/log: No such file or directory\n", TimeSpan.Zero));

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Eth, Reason);

        Assert.Equal(ActionOutcome.Succeeded, Result.Outcome);
        Assert.Equal(2, _host.Warnings.Count(w => w.Contains("could not be written to the system log either (logger: socket /dev/log: No such file or directory): this warning is its only record", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_refusals_of_one_command_are_one_record_however_many()
    {
        var flow = new RunbookFlow(_host);

        flow.Approve(MarketAction.Stop, Enumerable.Range(0, 5000).Select(i => Market.Parse($"doge{i}")), Reason);
        flow.RunApproved();

        Assert.Equal(5000, _host.Errors.Count);
        var record = Assert.Single(_host.Journalled);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.UnknownMarket, "doge0"), (record.Outcome, record.ErrorId, record.Market));
        Assert.StartsWith("5000 attempts of this command were refused (UnknownMarket x5000), for doge0, doge1, doge2, doge3, doge4, doge5, doge6, doge7, doge8, doge9 and 4990 more; the first: ", record.Detail, StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void A_plan_longer_than_a_journal_record_holds_is_refused_before_it_is_asked()
    {
        var flow = new RunbookFlow(_host);

        var attempt = flow.NewAttempt(AuditActions.AdvisorSubmit, null, Reason);
        var approved = flow.Approve(attempt, "2000 proposal(s)", new string('x', AuditJournal.MaxRecordBytes), []);
        flow.RecordRefusals();

        Assert.False(approved);
        Assert.Equal(AuditOutcome.Refused, attempt.Outcome);
        Assert.Empty(_host.Prompts);
        Assert.Equal(ErrorIds.AuditRecordTooLarge, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Contains("refused, not cut", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.AuditRecordTooLarge), (Assert.Single(_host.Journalled).Outcome, _host.Journalled[0].ErrorId));
    }

    [Fact]
    public void A_host_answer_too_long_for_a_record_is_kept_as_its_digest_and_the_end_is_recorded()
    {
        Answer(stop: $$"""{"status": "stopped", "pid": 8593, "note": "{{new string('n', 100_000)}}"}""");

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Eth, Reason);

        var ended = Assert.Single(_host.Ended);
        Assert.Equal(AuditOutcome.Succeeded, ended.Outcome);
        Assert.Matches("^1000[0-9]{2} bytes of host output, sha256 [0-9a-f]{64}: ", ((JsonElement)ended.Result!).GetString());
        Assert.Empty(_host.Errors);
    }

    [Fact]
    public void A_submission_of_more_than_1000_rows_is_refused_whole_at_the_row_too_many()
    {
        _host.CmdletName = "Submit-MmAdvisorProposal";
        var submission = new ProposalSubmission(new AdvisorFlow(new RunbookFlow(_host)));

        var refused = Assert.Throws<FlowTerminatedException>(() =>
        {
            for (var row = 0; row < 2000; row++)
            {
                submission.Collect((where, catalog, policy) => ProposalRow.Create("eth", "MM_SPREAD_MULTIPLIER", "1.6", null, null, null, null, where, catalog, policy));
            }
        });

        Assert.Equal(ErrorIds.ProposalRowLimit, refused.Record.FullyQualifiedErrorId);
        Assert.Contains("at most 1000 rows in one submission, and row 1001 is one more. Nothing was submitted.", refused.Record.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.ProposalRowLimit), (Assert.Single(_host.Journalled).Outcome, _host.Journalled[0].ErrorId));
    }
}
