namespace MmOperator.Tests.Flow;

/// <summary>Several markets in one command: every approval first, then the approved runs side by side.</summary>
public sealed class ParallelRunTests : IDisposable
{
    private const string Reason = "SEV1: spreads blew out";
    private static readonly Market[] Three = [Market.Parse("eth"), Market.Parse("btc"), Market.Parse("sol")];
    private readonly FakeFlowContext _host = new("btc", "sol");
    private int _running;
    private int _mostAtOnce;

    public void Dispose() => _host.Dispose();

    private static string StatusOf(HostCommand command) =>
        $$"""{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_{{command.Market!.Slug}}", "status": "stopped", "pid": null, "market": null, "env": null}]}""";

    /// <summary>mmctl stops each market after <paramref name="work"/>, counting how many stops run at once.</summary>
    private void AnswerStops(Action<HostCommand> work)
    {
        _host.Run = command =>
        {
            if (command.Shape == HostCommandShape.MmctlStatusMarket)
            {
                return FakeFlowContext.Answered(command, StatusOf(command));
            }

            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _mostAtOnce, now);
            try
            {
                work(command);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }

            return FakeFlowContext.Answered(command, """{"status": "stopped", "pid": 4242}""");
        };
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = target; value > seen; seen = target)
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private List<ActionResult> Results => _host.Output.Cast<ActionResult>().ToList();

    [Fact]
    public void Every_approval_is_asked_before_any_market_runs()
    {
        var promptsAtFirstRun = -1;
        AnswerStops(_ => Interlocked.CompareExchange(ref promptsAtFirstRun, _host.Prompts.Count, -1));

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Three, Reason);

        Assert.Equal(1, promptsAtFirstRun); // one question for the three
        Assert.All(Results, r => Assert.Equal(ActionOutcome.Succeeded, r.Outcome));
        Assert.Equal(["BTC-USD", "ETH-USD", "SOL-USD"], Results.Select(r => r.Market).Order());
    }

    [Fact]
    public void Approved_stops_run_side_by_side()
    {
        // Each stop waits until all three are running: one after another, they would time out here.
        using var allRunning = new Barrier(3);
        AnswerStops(_ => Assert.True(allRunning.SignalAndWait(TimeSpan.FromSeconds(20)), "the stops did not run at the same time"));

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Three, Reason);

        Assert.Empty(_host.Errors);
        Assert.Equal(3, _mostAtOnce);
        Assert.Equal(3, Results.Count(r => r.Outcome == ActionOutcome.Succeeded));
    }

    [Fact]
    public void The_throttle_limit_caps_how_many_run_at_once()
    {
        AnswerStops(_ => Thread.Sleep(50));
        var flow = new RunbookFlow(_host);

        flow.Approve(MarketAction.Stop, Three, Reason);
        flow.RunApproved(throttleLimit: 1);

        Assert.Equal(1, _mostAtOnce);
        Assert.Equal(3, Results.Count);
    }

    [Fact]
    public void One_failing_market_never_stops_the_others_and_each_is_journalled()
    {
        AnswerStops(command =>
        {
            if (command.Market!.Slug == "btc")
            {
                throw new IOException("disk gone");
            }
        });

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Three, Reason);

        Assert.Equal(["BTC-USD"], Results.Where(r => r.Outcome == ActionOutcome.Failed).Select(r => r.Market));
        Assert.Equal(2, Results.Count(r => r.Outcome == ActionOutcome.Succeeded));
        var error = Assert.Single(_host.Errors);
        Assert.Equal(ErrorIds.MarketActionFailed, error.FullyQualifiedErrorId);
        Assert.Contains("disk gone", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(3, _host.Ended.Count(r => r.Action == "stop"));
        Assert.Equal(AuditOutcome.Failed, _host.Ended.Single(r => r.Market == "BTC-USD").Outcome);
        Assert.All(Results, r => Assert.Equal(_host.Ended.Single(j => j.Market == r.Market).Id, r.AuditId));
    }

    [Fact]
    public void A_slow_batch_shows_one_bar_for_the_batch_and_one_per_market()
    {
        // ETH is done and reported; then the clock ticks, and BTC and SOL wait for mmctl until their bars are drawn.
        using var ethReported = new ManualResetEventSlim();
        using var redrawn = new ManualResetEventSlim();
        _host.Written = written =>
        {
            if (written is ActionResult { Market: "ETH-USD" })
            {
                ethReported.Set();
            }

            if (written is ProgressRecord { Activity: "Stop SOL-USD", RecordType: ProgressRecordType.Processing })
            {
                redrawn.Set();
            }
        };
        AnswerStops(command =>
        {
            if (command.Market!.Slug != "eth")
            {
                Assert.True(ethReported.Wait(TimeSpan.FromSeconds(20)), "ETH's result was never written");
                _host.Redraw();
                Assert.True(redrawn.Wait(TimeSpan.FromSeconds(20)), "the bars were never redrawn");
            }
        });

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Three, Reason);

        var seen = string.Join("\n", _host.Progress.Select(p => $"{p.ActivityId}/{p.ParentActivityId} {p.Activity}: {p.StatusDescription} {p.RecordType}"));
        var batch = _host.Progress.Where(p => p.ParentActivityId == -1).ToList();
        Assert.True(batch.Exists(p => p.Activity == "Stop 3 markets" && p.StatusDescription == "1 of 3 stopped"), seen);
        Assert.Equal(ProgressRecordType.Completed, batch[^1].RecordType);
        var markets = _host.Progress.Where(p => p.ParentActivityId == batch[0].ActivityId).ToList();
        Assert.Contains(markets, p => p.Activity == "Stop BTC-USD" && p.StatusDescription.StartsWith("waiting for mmctl: ", StringComparison.Ordinal));
        // ETH finished before the first redraw: it never got a bar to close.
        Assert.Equal(["Stop BTC-USD", "Stop SOL-USD"], markets.Where(p => p.RecordType == ProgressRecordType.Completed).Select(p => p.Activity).Order());
    }

    [Fact]
    public void The_run_threads_read_no_options_or_status_query_from_the_host_which_loads_them_lazily()
    {
        AnswerStops(_ => { });
        var pipeline = Environment.CurrentManagedThreadId;

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, Three, Reason);

        Assert.Equal(3, Results.Count(r => r.Outcome == ActionOutcome.Succeeded));
        Assert.All(_host.LoadedOnThreads, thread => Assert.Equal(pipeline, thread));
    }

    [Fact]
    public void A_market_named_twice_is_asked_and_run_once()
    {
        AnswerStops(_ => { });

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth"), Market.Parse("ETH-USD")], Reason);

        Assert.Single(_host.Prompts);
        Assert.Single(Results);
        Assert.Contains("named more than once", Assert.Single(_host.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void In_a_restricted_session_each_market_files_its_own_request_and_runs_with_its_own_ticket()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        _host.CmdletName = "Stop-MmMarket";
        AnswerStops(_ => { });
        var two = new[] { Market.Parse("eth"), Market.Parse("btc") };

        new RunbookFlow(_host).ApproveAndRun(MarketAction.Stop, two, Reason);

        Assert.Equal([ErrorIds.ApprovalPending, ErrorIds.ApprovalPending], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Empty(_host.Ran);
        var ids = _host.Approvals.List().Select(r => r.Id).ToList();
        ids.ForEach(id => _host.Approvals.Decide(id, approve: true, "human"));
        _host.Errors.Clear();

        // The ids in any order: each market takes the ticket that binds it.
        new RunbookFlow(_host, [.. Enumerable.Reverse(ids)]).ApproveAndRun(MarketAction.Stop, two, Reason);

        Assert.Empty(_host.Errors);
        Assert.Equal(["BTC-USD", "ETH-USD"], Results.Where(r => r.Outcome == ActionOutcome.Succeeded).Select(r => r.Market).Order());
        Assert.All(Results, r => Assert.StartsWith("Ticket apr-", r.Approval, StringComparison.Ordinal));
    }
    [Fact]
    public async Task Ctrl_C_lets_the_stops_under_way_finish_starts_no_other_and_journals_each_market_once()
    {
        // Two stops run (throttle 2) and hold until Ctrl+C was noticed; the third waits for a slot.
        using var twoRunning = new CountdownEvent(2);
        AnswerStops(_ =>
        {
            twoRunning.Signal();
            Assert.True(_host.Warned.Wait(TimeSpan.FromSeconds(20)), "Ctrl+C was never noticed");
        });
        var flow = new RunbookFlow(_host);
        flow.Approve(MarketAction.Stop, Three, Reason);
        var ctrlC = Task.Run(() =>
        {
            Assert.True(twoRunning.Wait(TimeSpan.FromSeconds(20)), "two stops should be running");
            _host.CtrlC.Cancel();
        });

        Assert.Throws<PipelineStoppedException>(() => flow.RunApproved(throttleLimit: 2));
        await ctrlC;

        var stopped = _host.Ran.Where(c => c.Shape == HostCommandShape.MmctlStop).Select(c => c.Market!.DisplayName).ToHashSet();
        var ran = Three.Select(m => m.Input.ToUpperInvariant() + "-USD").Where(stopped.Contains).ToList();
        var notRun = Assert.Single(Three.Select(m => m.Input.ToUpperInvariant() + "-USD").Except(ran));
        Assert.Equal(2, ran.Count);
        Assert.Equal(
            $"Ctrl+C: letting the stops of {ran[0]}, {ran[1]} finish (a stop under way is the safe action); each outcome is shown here when it is known. Ctrl+C came before their turn, so not stopped: {notRun}.",
            _host.HostWarnings[0]);
        var journal = _host.Ended.Where(r => r.Action == "stop").ToList();
        Assert.Equal(["BTC-USD", "ETH-USD", "SOL-USD"], journal.Select(r => r.Market).Order());
        Assert.All(journal.Where(r => r.Market != notRun), r => Assert.Equal(AuditOutcome.Succeeded, r.Outcome));
        var cancelled = journal.Single(r => r.Market == notRun);
        Assert.Equal((AuditOutcome.Cancelled, ErrorIds.HostCommandCancelled, ApprovalMode.ConfirmFalse), (cancelled.Outcome, cancelled.ErrorId, cancelled.Approval));
        // Each stop under way was still checked (the pid watched, a fresh status), and is shown with its journal record.
        Assert.Equal(2, _host.Watched.Count);
        Assert.Equal(
            ran.Select(m => $"Stop {m}: Succeeded: stopped (pid 4242). Journal record {journal.Single(r => r.Market == m).Id}.").Order(),
            _host.HostWarnings.Skip(1).Order());
        Assert.Empty(_host.Output);
    }

    [Fact]
    public async Task Ctrl_C_during_a_start_lets_it_finish_and_watches_the_bot_before_it_is_shown()
    {
        using var started = new ManualResetEventSlim();
        _host.Run = command =>
        {
            if (command.Shape == HostCommandShape.MmctlStatusMarket)
            {
                return FakeFlowContext.Answered(command, """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": 77, "market": "ETH-USD", "env": "/r/.env.eth"}]}""");
            }

            started.Set();
            Assert.True(_host.Warned.Wait(TimeSpan.FromSeconds(20)), "Ctrl+C was never noticed");
            return FakeFlowContext.Answered(command, """{"status": "started", "pid": 77}""");
        };
        _host.Exits = (_, _) => false;
        var flow = new RunbookFlow(_host);
        flow.Approve(MarketAction.Start, [Market.Parse("eth")], Reason);
        var ctrlC = Task.Run(() =>
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(20)), "the start should be running");
            _host.CtrlC.Cancel();
        });

        Assert.Throws<PipelineStoppedException>(() => flow.RunApproved());
        await ctrlC;

        Assert.Equal(
            "Ctrl+C: letting the starts of ETH-USD finish (killing mmctl mid-action could leave a bot half stopped, or running with no record); each outcome is shown here when it is known.",
            _host.HostWarnings[0]);
        Assert.Equal(77, Assert.Single(_host.Watched).Pid);
        var record = Assert.Single(_host.Ended);
        Assert.Equal((AuditOutcome.Succeeded, "ETH-USD"), (record.Outcome, record.Market));
        Assert.StartsWith("Start ETH-USD: Succeeded: started (pid 77)", _host.HostWarnings[1], StringComparison.Ordinal);
    }
}
