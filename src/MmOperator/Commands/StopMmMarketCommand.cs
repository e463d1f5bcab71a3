using MmOperator.Fleet;
using MmOperator.Flow;
using MmOperator.Lifecycle;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Stops market bots with mmctl stop (SIGINT, then SIGTERM after 30 s), after approval.</para>
/// Runs <c>mmctl stop &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "MmMarket", DefaultParameterSetName = FleetParameters.LocalSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class StopMmMarketCommand : StateChangeCmdlet, IDynamicParameters
{
    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); status objects bind by their Market property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[] Market { get; set; } = [];

    /// <summary>How many markets' commands run at once, once every approval was asked (default 16).</summary>
    [Parameter]
    [ValidateRange(1, ParallelMarketRuns.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = ParallelMarketRuns.DefaultThrottleLimit;

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: the same on other hosts, with one approval here.</summary>
    public object GetDynamicParameters() => FleetGiven;

    protected override void BeginProcessing() => Prepare(stopsOnly: true);

    /// <summary>Every market is planned and asked for first; the approved ones run in <see cref="EndProcessing"/>.</summary>
    protected override void ProcessRecord() => PlanMarkets(MarketAction.Stop, Market);

    protected override void EndProcessing() => RunMarkets(MarketAction.Stop, ThrottleLimit);
}
