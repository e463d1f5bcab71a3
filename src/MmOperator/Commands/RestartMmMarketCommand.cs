using System.Management.Automation;
using MmOperator.Lifecycle;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Restarts market bots with mmctl restart, after approval; it worked only if the bot started again.</para>
/// Runs <c>mmctl restart &lt;market&gt; --json</c> once per market, each approved on its own.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "MmMarket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult))]
public sealed class RestartMmMarketCommand : MarketLifecycleCommand
{
    protected override MarketAction Action => MarketAction.Restart;
}
