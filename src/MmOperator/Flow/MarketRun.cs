using System.Collections.Immutable;
using System.Diagnostics;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>A market action planned, then approved (its attempt's <see cref="Flow.Attempt.Approval"/>), and waiting to run: exactly the command its Plan showed.</summary>
public sealed record ApprovedAction(MarketAction Action, MarketEntry Market, HostCommand Command, Attempt Attempt);

/// <summary>
/// One approved market action carried out on the host, on a thread of its own: mmctl runs, then what
/// its JSON cannot prove is checked; once started, it finishes whatever Ctrl+C says. It writes nothing to PowerShell (only the pipeline thread may);
/// <see cref="RunbookFlow"/> reports it when it is done.
/// </summary>
public sealed class MarketRun
{
    /// <summary>mmctl sends SIGTERM and does not wait; a bot that obeys it is gone well within this.</summary>
    public static readonly TimeSpan StopVerifyWait = TimeSpan.FromSeconds(5);

    /// <summary>How long a dead bot's zombie is given to be reaped (an init that reaps late) before mmctl is run on its market.</summary>
    public static readonly TimeSpan ReapWait = TimeSpan.FromSeconds(5);

    private readonly IFlowContext _host;

    // Loaded on the pipeline thread that makes the run: its own thread only reads them (options
    // load lazily and may write a warning, which only the pipeline thread can do).
    private readonly TimeSpan _settle;
    private readonly ProcessTruth _truth;
    private readonly StatusQuery _status;

    private volatile string _stage = "waiting for its turn";
    private volatile ImmutableList<HostRunResult> _runs = [];

    // Stopwatch timestamps: written by the run's thread, read by the progress bars on the pipeline thread.
    private long _started;
    private long _ended;

    public MarketRun(IFlowContext host, ApprovedAction approved)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(approved);
        _host = host;
        _settle = host.Options.StartSettle;
        _truth = host.Truth;
        _status = new StatusQuery(host.Options, _truth, RunHost);
        Approved = approved;
    }

    public ApprovedAction Approved { get; }

    /// <summary>What it is doing now, for its progress bar.</summary>
    public string Stage => _stage;

    public TimeSpan Elapsed => Interlocked.Read(ref _started) is var started and not 0
        ? Stopwatch.GetElapsedTime(started, Interlocked.Read(ref _ended) is var ended and not 0 ? ended : Stopwatch.GetTimestamp())
        : TimeSpan.Zero;

    /// <summary>Every command it ran, in order (the action, then the status check), for -Verbose and -Debug.</summary>
    public IReadOnlyList<HostRunResult> Runs => _runs;

    /// <summary>mmctl's answer to the action; null only if the module itself failed before it (<see cref="Fault"/>).</summary>
    public HostRunResult? Run { get; private set; }

    public Interpretation Meaning { get; private set; } = new(ActionOutcome.Failed, "did not run", null, ErrorIds.MarketActionFailed);

    /// <summary>The market's status after the action; null when mmctl gave no usable answer (<see cref="StatusFailure"/>).</summary>
    public MarketStatus? Status { get; private set; }

    public HostCommandException? StatusFailure { get; private set; }

    /// <summary>Its journal record, once the flow wrote it.</summary>
    public string? AuditId { get; set; }

    /// <summary>A failure of this module while running or checking: reported, and never stops the other markets.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Ctrl+C came before its turn: mmctl never ran, so the market is as it was.</summary>
    public void Cancel()
    {
        _stage = "not started (Ctrl+C)";
        Meaning = new(ActionOutcome.Cancelled, $"never ran: Ctrl+C came before its turn, so mmctl was not run and {Approved.Market.DisplayName} is as it was. Check Get-MmStatus {Approved.Market.Slug}", null, ErrorIds.HostCommandCancelled);
    }

    public void Execute()
    {
        Interlocked.Exchange(ref _started, Stopwatch.GetTimestamp());
        try
        {
            AwaitReaping();
            _stage = "waiting for mmctl";
            Run = RunHost(Approved.Command);
            Meaning = Verify(LifecycleInterpreter.Interpret(Approved.Action, Run), Run.Duration);
        }
        catch (Exception fault) when (fault is not OutOfMemoryException)
        {
            Fault = fault;
            Meaning = Meaning with { Detail = $"the module failed while it ran or checked it: {fault.Message}. Check Get-MmStatus {Approved.Market.Slug}" };
        }
        finally
        {
            Interlocked.Exchange(ref _ended, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>
    /// mmctl counts a zombie as running: a start would answer already_running and a stop would wait out
    /// its 30 s of checks. An init that reaps late (a container's) gets a moment first; one that never
    /// reaps does not, and the check after the action says so.
    /// </summary>
    private void AwaitReaping()
    {
        if (_truth.UnreapedPid(Approved.Market) is { } zombie)
        {
            _stage = $"waiting for the dead bot's pid {zombie} to be reaped";
            _host.WaitForReaping(zombie, ReapWait);
        }
    }

    private HostRunResult RunHost(HostCommand command)
    {
        var run = _host.StartHost(command).GetAwaiter().GetResult();
        _runs = _runs.Add(run);
        return run;
    }

    /// <summary>
    /// What the JSON cannot prove, checked on the host: a stopped bot is really gone (mmctl answers
    /// "stopped" and removes the pid file even when the bot ignored its signals), and a started bot is
    /// still up once it has lived through the settle window (one that refuses its settings dies within
    /// it). The started bot is watched, so a death fails the start at once; then one fresh status.
    /// </summary>
    /// <param name="ran">How long mmctl took: the started bot is no older, whatever its age reads.</param>
    private Interpretation Verify(Interpretation meaning, TimeSpan ran)
    {
        var action = Approved.Action;
        if (meaning.StoppedPid is { } stopped)
        {
            _stage = $"checking that pid {stopped} is gone";
            if (!_host.WaitForExit(stopped, StopVerifyWait))
            {
                meaning = meaning with
                {
                    Outcome = ActionOutcome.Failed,
                    Detail = $"{meaning.Detail}, but pid {stopped} is still running {StopVerifyWait.TotalSeconds:0} s later: mmctl removed its pid file, so mmctl status no longer shows it. Escalate to a human now: the bot may still be quoting, and it must be ended on the host: {ProcessTruth.EndCommands(stopped)}{Remember(stopped)}",
                    ErrorId = ErrorIds.BotStillRunning,
                };
            }
        }

        var mustSettle = meaning.Outcome == ActionOutcome.Succeeded && action != MarketAction.Stop;
        var died = false;
        if (mustSettle)
        {
            _stage = "checking that the bot stays up";
        }

        if (mustSettle && meaning.StartedPid is { } started)
        {
            // The window counts from the bot's own start, which mmctl's answer already follows.
            var age = _host.ProcessAge(started);
            died = _host.WaitForExit(started, _settle - (age < ran ? age : ran));
        }
        else if (mustSettle)
        {
            _host.Pause(_settle);
        }

        _stage = "reading its status";
        Status = RefreshStatus();
        if (meaning.Outcome != ActionOutcome.Failed && Status is { State: MarketState.Orphaned, Pid: { } orphan })
        {
            // mmctl stopped what it knew (or nothing), but a bot it does not know still quotes this market.
            return meaning with
            {
                Outcome = ActionOutcome.Failed,
                Detail = $"{meaning.Detail}, but {Status.Note}. mmctl cannot stop it: a human ends it on the host: {ProcessTruth.EndCommands(orphan)}",
                ErrorId = ErrorIds.OrphanedBotRunning,
            };
        }

        if (action == MarketAction.Start && meaning.Outcome == ActionOutcome.NoChange && Status is { State: MarketState.Crashed })
        {
            return meaning with
            {
                Outcome = ActionOutcome.Failed,
                Detail = $"{meaning.Detail} says mmctl, but {Status.Note ?? "its bot is dead"}: no bot runs and mmctl will not start one while that pid file stays. Have a human read its log (Get-MmLog {Approved.Market.Slug}); Stop-MmMarket {Approved.Market.Slug} clears the pid file (mmctl first waits up to 30 s on the dead pid), then start it again",
                ErrorId = ErrorIds.MarketActionFailed,
            };
        }

        if (mustSettle && (died || Status is { State: not MarketState.Running }))
        {
            meaning = meaning with
            {
                Outcome = ActionOutcome.Failed,
                Detail = $"{meaning.Detail}, but the bot is not running a moment later (mmctl status: {RunbookText.StatusFacts(Status)})",
                ErrorId = ErrorIds.MarketActionFailed,
            };
        }

        return meaning;
    }

    /// <summary>Keeps the live pid for every later status (mmctl forgot it); the text says when that failed.</summary>
    private string Remember(int pid)
    {
        try
        {
            _truth.Remember(Approved.Market, pid, Approved.Action);
            return string.Empty;
        }
        catch (Exception unwritable) when (unwritable is IOException or UnauthorizedAccessException)
        {
            return $". The module could not record it in {_truth.Store.Path} ({unwritable.Message}): only a scan of the process table still finds it";
        }
    }

    private MarketStatus? RefreshStatus()
    {
        try
        {
            return _status.One(Approved.Market);
        }
        catch (HostCommandException failure)
        {
            StatusFailure = failure;
            return null;
        }
    }
}
