using System.Management.Automation;
using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows every market of the repo with its state, never-started ones included.</para>
/// One <c>mmctl status --json</c>, completed from the repo's market files. Needs no approval (runbook).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmMarket", DefaultParameterSetName = FleetParameters.LocalSet)]
[OutputType(typeof(MarketStatus))]
public sealed class GetMmMarketCommand : OperatorCmdlet, IDynamicParameters
{
    private readonly FleetParameters _fleet = new();

    /// <summary>Only markets in these states.</summary>
    [Parameter(Position = 0)]
    public MarketState[]? State { get; set; }

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: the same read on other hosts.</summary>
    public object GetDynamicParameters() => _fleet;

    protected override void BeginProcessing()
    {
        if (!_fleet.IsGiven)
        {
            Require(HostPreconditions.RequireMmctl);
        }
    }

    protected override void EndProcessing()
    {
        if (_fleet.IsGiven)
        {
            AskFleet(_fleet, FleetCall.Of("Get-MmMarket", ("State", State?.Select(s => s.ToString()).ToArray())));
            return;
        }

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
