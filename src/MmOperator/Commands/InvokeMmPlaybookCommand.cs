using MmOperator.Fleet;
using MmOperator.Flow;
using MmOperator.Lifecycle;
using MmOperator.Runbook;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Runs one of the runbook's safe playbooks on the given markets, each state change approved on its own.</para>
/// Sev1SafetyBreach stops each market; ProcessStuck restarts each; RecoveryAfterIncident shows
/// status first, then starts each only with approval; AnalysisOnly runs status only. -WhatIf
/// previews every step.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MmPlaybook", DefaultParameterSetName = FleetParameters.LocalSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class InvokeMmPlaybookCommand : StateChangeCmdlet, IDynamicParameters
{
    private readonly List<Market> _markets = [];
    private Playbook _playbook = Playbooks.All[0];

    /// <summary>The playbook: any other name is refused, and journalled, before anything is read or run.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(PlaybookNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>The affected markets, in any accepted form; every playbook but AnalysisOnly needs them.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>How many markets' commands run at once, once every approval was asked (default 16).</summary>
    [Parameter]
    [ValidateRange(1, ParallelMarketRuns.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = ParallelMarketRuns.DefaultThrottleLimit;

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: the same playbook on other hosts, with one approval here.</summary>
    public object GetDynamicParameters() => FleetGiven;

    protected override void BeginProcessing()
    {
        if (new PlaybookNames().Refusal(Name) is { } unknown)
        {
            Flow.NewAttempt($"{unknown.Target}", null, Reason).Refuse(unknown, Halt.Command);
        }

        _playbook = Playbooks.Find(Name)!;
        Prepare(stopsOnly: _playbook.Steps.Any(step => step.Action == "stop") && _playbook.Steps.All(step => step.Action is "stop" or "status"));
    }

    protected override void ProcessRecord()
    {
        if (!FleetGiven.Keep(Market))
        {
            _markets.AddRange(Market ?? []);
        }
    }

    /// <summary>Step by step over all markets, so a recovery shows every status before any start is asked.</summary>
    protected override void EndProcessing()
    {
        if (RanOnFleet(_playbook.Name, ("Name", _playbook.Name)))
        {
            return;
        }

        if (_playbook.NeedsMarket && _markets.Count == 0)
        {
            Flow.NewAttempt(_playbook.Name, null, Reason).Refuse(new OperatorException(ErrorIds.MarketRequired, ErrorCategory.InvalidArgument, $"Playbook {_playbook.Name} needs -Market: the affected markets. Nothing was run.", _playbook.Name), Halt.Command);
        }

        PlaybookRun.Run(Flow, _playbook, _markets, Reason, ThrottleLimit);
    }
}
