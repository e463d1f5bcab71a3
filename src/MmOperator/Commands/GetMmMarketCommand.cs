using System.Management.Automation;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows every market of the repo with its state, never-started ones included.</para>
/// One <c>mmctl status --json</c>, completed from the repo's market files. Needs no approval (runbook).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmMarket")]
[OutputType(typeof(MarketStatus))]
public sealed class GetMmMarketCommand : OperatorCmdlet
{
    /// <summary>Only markets in these states.</summary>
    [Parameter(Position = 0)]
    public MarketState[]? State { get; set; }

    protected override void BeginProcessing() => Require(HostPreconditions.RequireMmctl);

    protected override void EndProcessing()
    {
        try
        {
            foreach (var market in Status.Overview().Where(m => State is null || State.Contains(m.State)))
            {
                WriteTyped(market, MarketStatus.TypeName);
            }
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }
}
