using System.Management.Automation;
using MmOperator.Lifecycle;
using MmOperator.Markets;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Stops market bots with mmctl stop (SIGINT, then SIGTERM after 30 s), after approval.</para>
/// Runs <c>mmctl stop &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "MmMarket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class StopMmMarketCommand : StateChangeCmdlet
{
    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); status objects bind by their Market property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[] Market { get; set; } = [];

    protected override void BeginProcessing() => Flow.PrepareStateChange();

    protected override void ProcessRecord() => Flow.Perform(MarketAction.Stop, Market, Reason);
}
