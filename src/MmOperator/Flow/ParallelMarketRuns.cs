using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using MmOperator.Lifecycle;

namespace MmOperator.Flow;

/// <summary>
/// Runs approved market actions, at most a throttle limit at once, each on a thread of its own (a
/// graceful stop can take over 30 s, so ten stops one after another would take minutes). Each is
/// handed back on the pipeline thread as soon as it finishes; one failure never stops the others.
/// Progress: one bar for the batch (2 of 4 stopped) and one per market. On Ctrl+C the running
/// commands are killed and every one that finished is still reported (journalled) before the stop goes on.
/// </summary>
public static class ParallelMarketRuns
{
    public const int DefaultThrottleLimit = 16;

    public const int MaxThrottleLimit = 64;

    /// <summary>How often the bars are redrawn; quick runs finish before the first redraw and show none.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private const int BatchActivityId = 4711;

    /// <param name="record">Journals a finished run; called for every run, even after Ctrl+C.</param>
    /// <param name="report">Writes its result and errors; not called once the pipeline is stopping.</param>
    public static void Run(IFlowHost host, IReadOnlyList<MarketRun> runs, int throttleLimit, Action<MarketRun> record, Action<MarketRun> report)
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
        using var finished = new BlockingCollection<MarketRun>();
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
                        run.Execute();
                    }
                    finally
                    {
                        slots.Release();
                        finished.Add(run);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        var progress = new BatchProgress(host, runs);
        PipelineStoppedException? stopped = null;
        for (var left = runs.Count; left > 0;)
        {
            var done = finished.TryTake(out var run, Tick) ? run : null;
            try
            {
                if (done is not null)
                {
                    left--;
                    record(done);
                }

                if (stopped is not null)
                {
                    continue;
                }

                if (done is null)
                {
                    progress.Show();
                    continue;
                }

                progress.Finished(done);
                done.Runs.ForEach(host.ReportFinished);
                report(done);
            }
            catch (PipelineStoppedException stop)
            {
                // Ctrl+C: the rest are being killed; keep taking them so each is still journalled.
                stopped ??= stop;
            }
        }

        if (stopped is not null)
        {
            ExceptionDispatchInfo.Throw(stopped);
        }

        progress.Complete();
    }

    /// <summary>The bars: only once something has run for a tick, and each closed when its market is done.</summary>
    private sealed class BatchProgress(IFlowHost host, IReadOnlyList<MarketRun> runs)
    {
        private readonly HashSet<MarketRun> _done = [];
        private readonly Dictionary<MarketRun, int> _index = runs.Select((run, i) => (run, i)).ToDictionary(x => x.run, x => x.i);
        private readonly MarketAction? _action = runs.Select(r => r.Approved.Action).Distinct().Count() == 1 ? runs[0].Approved.Action : null;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private bool _shown;

        private bool IsBatch => runs.Count > 1;

        private string Title => _action is { } action ? $"{action} {runs.Count} markets" : $"{runs.Count} market actions";

        public void Show()
        {
            if (_clock.Elapsed < Tick)
            {
                return;
            }

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
