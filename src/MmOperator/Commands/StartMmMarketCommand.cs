using System.Management.Automation;
using MmOperator.Lifecycle;
using MmOperator.Markets;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Starts market bots with mmctl start, after approval.</para>
/// Runs <c>mmctl start &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "MmMarket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class StartMmMarketCommand : StateChangeCmdlet
{
    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); status objects bind by their Market property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[] Market { get; set; } = [];

    protected override void BeginProcessing() => Flow.PrepareStateChange();

    protected override void ProcessRecord() => Flow.Perform(MarketAction.Start, Market, Reason);
}
