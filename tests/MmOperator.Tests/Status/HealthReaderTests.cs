namespace MmOperator.Tests.Status;

public sealed class HealthReaderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly List<OperatorException> _errors = [];

    public void Dispose() => _dir.Dispose();

    private AuditJournal Journal => new(Path.Combine(_dir.Path, "state", "audit.jsonl"));

    private ApprovalStore Approvals => new(Path.Combine(_dir.Path, "state", "approvals"));

    private static MarketStatus Market(string market, MarketState state) => new()
    {
        Market = market, Slug = market.ToLowerInvariant(), State = state, Pid = state == MarketState.Stopped ? null : 9, ControllerId = "env_x", GeneratedAt = DateTime.UtcNow,
    };

    private static AuditRecord Attempt(string action, string market, AuditOutcome outcome, string? errorId = null) => new()
    {
        User = "op", HostName = "h", ProcessId = 1, LanguageMode = "FullLanguage", Cmdlet = "Stop-MmMarket",
        Action = action, Market = market, Reason = "test", Approval = "ConfirmFalse", Outcome = outcome, ErrorId = errorId,
    };

    private Health Read(Func<IReadOnlyList<MarketStatus>> markets) => HealthReader.Read(markets, Journal, _dir.Path, Approvals, _errors.Add);

    [Fact]
    public void Sums_up_markets_journal_pending_decisions_and_the_last_failure()
    {
        Journal.Append(Attempt("start", "ETH-USD", AuditOutcome.Failed, ErrorIds.MarketActionFailed));
        Journal.Append(Attempt("stop", "BTC-USD", AuditOutcome.Failed, ErrorIds.BotStillRunning));
        Journal.Append(Attempt("stop", "BTC-USD", AuditOutcome.Succeeded));
        Journal.Append(Attempt("start", "ETH-USD", AuditOutcome.Refused, ErrorIds.ApprovalRequired));
        var request = new ApprovalRequest { Cmdlet = "Stop-MmMarket", Action = "stop", Target = "ETH-USD", Reason = "r", Plan = "Plan", Binding = "b", Requester = "agent@h" };
        Approvals.File(request, TimeSpan.FromMinutes(30));
        Approvals.File(new ApprovalRequest { Cmdlet = "Stop-MmMarket", Action = "stop", Target = "BTC-USD", Reason = "r", Plan = "Plan", Binding = "c", Requester = "agent@h" }, TimeSpan.FromDays(-1));
        _dir.Write("data/mm_audit/advisor/proposals.jsonl", "{\"proposal_id\": \"p1\", \"ts\": 1}\n{\"proposal_id\": \"p2\", \"ts\": 2}\nnot json\n");
        _dir.Write("data/mm_audit/advisor/apply_receipts.jsonl", "{\"proposal_id\": \"p1\", \"result\": \"applied\"}\n");

        var health = Read(() => [Market("ETH-USD", MarketState.Running), Market("BTC-USD", MarketState.Crashed), Market("SOL-USD", MarketState.Stopped), Market("MU-USD", MarketState.Crashed)]);

        Assert.Empty(_errors);
        Assert.Equal((1, 1, 2, 2), (health.Running, health.Stopped, health.Crashed, health.StalePidFiles));
        Assert.Equal(["BTC-USD", "MU-USD"], health.CrashedMarkets!);
        Assert.Equal((true, null), (health.JournalValid, health.JournalProblem));
        var size = new FileInfo(Journal.Path).Length;
        Assert.Equal((size, size), (health.JournalBytes, health.JournalBytesLastHour));
        Assert.Equal((1, 1), (health.PendingProposals, health.PendingApprovals));
        Assert.Equal(("stop", "BTC-USD", ErrorIds.BotStillRunning), (health.LastFailure!.Action, health.LastFailure.Market, health.LastFailure.ErrorId));
        Assert.Equal(DateTimeKind.Utc, health.GeneratedAt.Kind);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ stop BTC-USD \(BotStillRunning\)$", health.LastFailure.ToString());
    }

    [Fact]
    public void The_journals_growth_counts_only_the_last_hour()
    {
        var earlier = Journal.Append(Attempt("start", "ETH-USD", AuditOutcome.Succeeded));
        var lines = File.ReadAllLines(Journal.Path);
        // The same record, written two hours ago: its id gives its time (the chain is not what this reads).
        File.WriteAllLines(Journal.Path, [lines[0].Replace(earlier.Id, DateTime.UtcNow.AddHours(-2).ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-000000", StringComparison.Ordinal)]);
        var old = new FileInfo(Journal.Path).Length;
        File.AppendAllLines(Journal.Path, [lines[0]]);

        var health = Read(() => []);

        Assert.Equal((old * 2, old), (health.JournalBytes, health.JournalBytesLastHour));
    }

    [Fact]
    public void An_unreadable_part_is_unknown_with_its_error_and_the_rest_is_still_read()
    {
        File.WriteAllBytes(Path.Combine(_dir.Write("data/mm_audit/advisor/proposals.jsonl", string.Empty)), [0x7b, 0xff, 0xfe, 0x0a]);
        Journal.Append(Attempt("start", "ETH-USD", AuditOutcome.Succeeded));

        var health = Read(() => throw new OperatorException(ErrorIds.MmctlNotFound, System.Management.Automation.ErrorCategory.ObjectNotFound, "mmctl was not found"));

        Assert.Equal([ErrorIds.MmctlNotFound, ErrorIds.AdvisorFilesUnreadable], _errors.Select(e => e.ErrorId));
        Assert.Equal<int?>([null, null, null, null], [health.Running, health.Stopped, health.Crashed, health.StalePidFiles]);
        Assert.Null(health.CrashedMarkets);
        Assert.Null(health.PendingProposals);
        Assert.Equal((true, 0), (health.JournalValid, health.PendingApprovals));
        Assert.Null(health.LastFailure);
    }

    [Fact]
    public void A_broken_chain_says_where_and_an_unreadable_journal_is_unknown()
    {
        Journal.Append(Attempt("start", "ETH-USD", AuditOutcome.Succeeded));
        Journal.Append(Attempt("stop", "ETH-USD", AuditOutcome.Succeeded));
        var lines = File.ReadAllLines(Journal.Path);
        File.WriteAllLines(Journal.Path, [lines[1]]);

        var broken = Read(() => []);

        Assert.Equal(false, broken.JournalValid);
        Assert.StartsWith("line 1: ", broken.JournalProblem, StringComparison.Ordinal);
        Assert.Empty(_errors);

        File.WriteAllText(Journal.Path + ".key", "not a key");
        var unknown = Read(() => []);

        Assert.Equal(ErrorIds.AuditJournalUnavailable, Assert.Single(_errors).ErrorId);
        Assert.Null(unknown.JournalValid);
        Assert.Equal((0, 0), (unknown.Running, unknown.PendingApprovals));
    }
}
