using System.Management.Automation;
using MmOperator.Lifecycle;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Starts market bots with mmctl start, after approval.</para>
/// Runs <c>mmctl start &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "MmMarket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class StartMmMarketCommand : MarketLifecycleCommand
{
    protected override MarketAction Action => MarketAction.Start;
}
