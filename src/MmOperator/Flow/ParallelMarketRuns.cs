using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using MmOperator.Lifecycle;

namespace MmOperator.Flow;

/// <summary>
/// Runs approved market actions, at most a throttle limit at once, each on a thread of its own (a
/// graceful stop can take over 30 s, so ten stops one after another would take minutes). Each is
/// handed back on the pipeline thread as soon as it finishes; one failure never stops the others.
/// Progress: one bar for the batch (2 of 4 stopped) and one per market. On Ctrl+C nothing more
/// starts, and what is under way finishes: a stop under way is the safe action, and a killed mmctl
/// can leave a bot half stopped or started with no record. The host's UI says which markets are still
/// being finished and which never ran, then each outcome as it comes; every market is journalled once.
/// </summary>
public static class ParallelMarketRuns
{
    public const int DefaultThrottleLimit = 16;

    public const int MaxThrottleLimit = 64;

    private const int BatchActivityId = 4711;

    /// <param name="record">Journals a run once it is done, or cancelled before its turn; called for every run, even after Ctrl+C.</param>
    /// <param name="report">Writes its result and errors; not called once the pipeline is stopping.</param>
    public static void Run(IFlowContext host, IReadOnlyList<MarketRun> runs, int throttleLimit, Action<MarketRun> record, Action<MarketRun> report)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        if (runs.Count > 1)
        {
            host.WriteVerbose($"Running {runs.Count} approved actions, at most {throttleLimit} at once.");
        }

        using var slots = new SemaphoreSlim(throttleLimit);
        using var events = new RunEvents();
        var gate = new StartGate(runs);
        // Ctrl+C wakes the pipeline thread at once: its notice is shown without waiting for a run to end.
        using var ctrlC = host.Stopping.Register(() =>
        {
            gate.Close();
            events.Redraw();
        });
        foreach (var run in runs)
        {
            host.ReportStarting(run.Approved.Command);
            // A thread each, not the thread pool: the runs block while they wait on mmctl and the bots.
            Task.Factory.StartNew(
                () =>
                {
                    slots.Wait();
                    try
                    {
                        if (gate.TryEnter(run))
                        {
                            run.Execute();
                        }
                        else
                        {
                            run.Cancel();
                        }
                    }
                    finally
                    {
                        gate.Leave(run);
                        slots.Release();
                        events.Finished(run);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        var progress = new BatchProgress(host, runs);
        // Disposed before the events: the host's clock may still be calling it as the batch ends.
        using var redraws = host.StartRedraws(events.Redraw);
        // The pipeline refused a write: it is stopping (Ctrl+C, or a downstream Select-Object -First,
        // which stops this command the same way), thrown a moment before StopProcessing is called.
        PipelineStoppedException? refused = null;
        var noticeShown = false;
        for (var left = runs.Count; left > 0;)
        {
            var done = events.Take();
            var shown = false;
            if (done is not null)
            {
                left--;
                // A journal that cannot take it says so as an error: a write the pipeline may refuse.
                var unjournalled = Attempt(() => record(done));
                refused ??= unjournalled;
            }

            if (refused is null)
            {
                refused = Attempt(() => Report(host, progress, done, report));
                shown = refused is null;
            }

            if (refused is not null)
            {
                gate.Close();
            }

            // After Ctrl+C only the host's UI still shows anything.
            if (gate.Notice is { } notice)
            {
                if (!noticeShown)
                {
                    noticeShown = true;
                    host.WriteHostWarning(notice);
                }

                if (done is { Meaning.Outcome: not ActionOutcome.Cancelled } && !shown)
                {
                    host.WriteHostWarning(AfterCtrlC(done));
                }
            }
        }

        if (refused is not null)
        {
            ExceptionDispatchInfo.Throw(refused);
        }

        if (gate.IsClosed)
        {
            throw new PipelineStoppedException();
        }

        progress.Complete();
    }

    /// <summary>Runs a write; the pipeline's refusal comes back instead of being thrown.</summary>
    private static PipelineStoppedException? Attempt(Action write)
    {
        try
        {
            write();
            return null;
        }
        catch (PipelineStoppedException refused)
        {
            return refused;
        }
    }

    /// <summary>Redraws the bars, or reports a finished run with what it ran (-Verbose) and its result.</summary>
    private static void Report(IFlowContext host, BatchProgress progress, MarketRun? done, Action<MarketRun> report)
    {
        if (done is null)
        {
            progress.Show();
            return;
        }

        progress.Finished(done);
        foreach (var ran in done.Runs)
        {
            host.ReportFinished(ran);
        }
        report(done);
    }

    /// <summary>One run's outcome after Ctrl+C, for the host's UI: as much as its result would have said.</summary>
    private static string AfterCtrlC(MarketRun run)
    {
        var meaning = run.Meaning;
        var id = meaning.ErrorId is { } errorId && meaning.Outcome == ActionOutcome.Failed ? $" ({errorId})" : string.Empty;
        var journal = run.AuditId is { } audit ? $" Journal record {audit}." : " It could not be journalled.";
        return $"{run.Approved.Action} {run.Approved.Market.DisplayName}: {meaning.Outcome}{id}: {meaning.Detail.TrimEnd('.')}.{journal}";
    }

    /// <summary>
    /// What Ctrl+C did, in words: which actions under way are let finish and why, and which never start.
    /// </summary>
    public static string CtrlCNotice(IReadOnlyList<MarketRun> underWay, IReadOnlyList<MarketRun> notStarted)
    {
        ArgumentNullException.ThrowIfNull(underWay);
        ArgumentNullException.ThrowIfNull(notStarted);
        var finishing = underWay.GroupBy(r => r.Approved.Action).Select(g => $"the {g.Key.Name()}s of {Names(g)}").ToList();
        var why = underWay.All(r => r.Approved.Action == MarketAction.Stop)
            ? "a stop under way is the safe action"
            : "killing mmctl mid-action could leave a bot half stopped, or running with no record";
        var notice = finishing.Count == 0
            ? "Ctrl+C: no market action is under way any more."
            : $"Ctrl+C: letting {string.Join(" and ", finishing)} finish ({why}); each outcome is shown here when it is known.";
        if (notStarted.Count == 0)
        {
            return notice;
        }

        var left = notStarted.GroupBy(r => r.Approved.Action).Select(g => $"not {g.Key.PastTense()}: {Names(g)}");
        return $"{notice} Ctrl+C came before their turn, so {string.Join("; ", left)}.";
    }

    private static string Names(IEnumerable<MarketRun> runs) => string.Join(", ", runs.Select(r => r.Approved.Market.DisplayName));

    /// <summary>
    /// Which runs start, decided under one lock: none after Ctrl+C, and its notice names exactly the
    /// runs under way at that moment and those that will never start.
    /// </summary>
    private sealed class StartGate(IReadOnlyList<MarketRun> runs)
    {
        private readonly object _lock = new();
        private readonly HashSet<MarketRun> _entered = [];
        private readonly HashSet<MarketRun> _left = [];

        private string? _notice;

        /// <summary>Set by <see cref="Close"/>: what Ctrl+C did.</summary>
        public string? Notice
        {
            get
            {
                lock (_lock)
                {
                    return _notice;
                }
            }
        }

        public bool IsClosed => Notice is not null;

        public bool TryEnter(MarketRun run)
        {
            lock (_lock)
            {
                return _notice is null && _entered.Add(run);
            }
        }

        public void Leave(MarketRun run)
        {
            lock (_lock)
            {
                _left.Add(run);
            }
        }

        /// <summary>Ctrl+C, from StopProcessing's thread or the pipeline's; the notice is made once.</summary>
        public void Close()
        {
            lock (_lock)
            {
                _notice ??= CtrlCNotice(
                    [.. runs.Where(r => _entered.Contains(r) && !_left.Contains(r))],
                    [.. runs.Where(r => !_entered.Contains(r))]);
            }
        }
    }

    /// <summary>
    /// What the pipeline thread waits for, in the order it happened: a run that finished, or a redraw
    /// (null: the host's clock, or Ctrl+C). Redraws that pile up while the thread is busy count as one.
    /// </summary>
    private sealed class RunEvents : IDisposable
    {
        private readonly BlockingCollection<MarketRun?> _queue = [];
        private readonly object _lock = new();
        private bool _redrawQueued;
        private bool _disposed;

        public void Finished(MarketRun run) => Add(run);

        /// <summary>From the host's clock or Ctrl+C, on any thread, even as the batch ends.</summary>
        public void Redraw() => Add(null);

        /// <summary>Nothing once disposed: a batch that ended (or threw) no longer listens.</summary>
        private void Add(MarketRun? next)
        {
            lock (_lock)
            {
                if (_disposed || (next is null && _redrawQueued))
                {
                    return;
                }

                _redrawQueued |= next is null;
                _queue.Add(next);
            }
        }

        /// <summary>The next run that finished, or null for a redraw.</summary>
        public MarketRun? Take()
        {
            var next = _queue.Take();
            if (next is null)
            {
                lock (_lock)
                {
                    _redrawQueued = false;
                }
            }

            return next;
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
            }

            _queue.Dispose();
        }
    }

    /// <summary>The bars: from the first redraw on (a quick batch shows none), each closed when its market is done.</summary>
    private sealed class BatchProgress(IFlowContext host, IReadOnlyList<MarketRun> runs)
    {
        private readonly HashSet<MarketRun> _done = [];
        private readonly Dictionary<MarketRun, int> _index = runs.Select((run, i) => (run, i)).ToDictionary(x => x.run, x => x.i);
        private readonly MarketAction? _action = runs.Select(r => r.Approved.Action).Distinct().Count() == 1 ? runs[0].Approved.Action : null;
        private bool _shown;

        private bool IsBatch => runs.Count > 1;

        private string Title => _action is { } action ? $"{action} {runs.Count} markets" : $"{runs.Count} market actions";

        public void Show()
        {
            _shown = true;
            if (IsBatch)
            {
                host.WriteProgress(new ProgressRecord(BatchActivityId, Title, Summary()) { PercentComplete = _done.Count * 100 / runs.Count });
            }

            foreach (var run in runs.Where(r => !_done.Contains(r)))
            {
                host.WriteProgress(MarketRecord(run, $"{run.Stage}: {run.Elapsed.TotalSeconds:0} s elapsed (timeout {host.Options.TimeoutSec} s)"));
            }
        }

        public void Finished(MarketRun run)
        {
            _done.Add(run);
            if (_shown)
            {
                var record = MarketRecord(run, run.Meaning.Outcome.ToString());
                record.RecordType = ProgressRecordType.Completed;
                host.WriteProgress(record);
            }
        }

        public void Complete()
        {
            if (_shown && IsBatch)
            {
                host.WriteProgress(new ProgressRecord(BatchActivityId, Title, Summary()) { RecordType = ProgressRecordType.Completed });
            }
        }

        private ProgressRecord MarketRecord(MarketRun run, string status) =>
            new(BatchActivityId + 1 + _index[run], $"{run.Approved.Action} {run.Approved.Market.DisplayName}", status)
            {
                ParentActivityId = IsBatch ? BatchActivityId : -1,
            };

        /// <summary>"2 of 4 stopped, 1 failed": a failed stop is not counted as stopped.</summary>
        private string Summary()
        {
            var failed = _done.Count(r => r.Meaning.Outcome == ActionOutcome.Failed);
            var summary = $"{_done.Count - failed} of {runs.Count} {_action?.PastTense() ?? "done"}";
            return failed > 0 ? $"{summary}, {failed} failed" : summary;
        }
    }
}
