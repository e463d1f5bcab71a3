using System.Management.Automation;
using MmOperator.Lifecycle;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Stops market bots with mmctl stop (SIGINT, then SIGTERM after 30 s), after approval.</para>
/// Runs <c>mmctl stop &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "MmMarket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class StopMmMarketCommand : MarketLifecycleCommand
{
    protected override MarketAction Action => MarketAction.Stop;
}
