using System.Management.Automation;
using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows the bot instances as mmctl status reports them.</para>
/// Runs <c>mmctl status --json</c>, or <c>mmctl status &lt;market&gt; --json</c> per market. Reading
/// status needs no approval (runbook).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmStatus", DefaultParameterSetName = FleetParameters.LocalSet)]
[OutputType(typeof(MarketStatus))]
public sealed class GetMmStatusCommand : OperatorCmdlet, IDynamicParameters
{
    private readonly FleetParameters _fleet = new();
    private readonly List<string> _fleetMarkets = [];

    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); none means every instance mmctl lists.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: the same markets on other hosts.</summary>
    public object GetDynamicParameters() => _fleet;

    protected override void BeginProcessing()
    {
        if (!_fleet.IsGiven)
        {
            Require(HostPreconditions.RequireMmctl);
        }
    }

    protected override void ProcessRecord()
    {
        if (_fleet.IsGiven)
        {
            // Each host resolves the markets in its own repo: they are sent as given.
            _fleetMarkets.AddRange((Market ?? []).Select(m => m.Input));
            return;
        }

        if (Market is null || Market.Length == 0)
        {
            Report(null);
            return;
        }

        foreach (var market in Market)
        {
            if (ResolveOrWriteError(market) is { } entry)
            {
                Report(entry);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_fleet.IsGiven)
        {
            AskFleet(_fleet, FleetCall.Of("Get-MmStatus", ("Market", _fleetMarkets.Count == 0 ? null : _fleetMarkets.ToArray())));
        }
    }

    private void Report(MarketEntry? market)
    {
        try
        {
            foreach (var status in Status.Read(market))
            {
                WriteTyped(status, MarketStatus.TypeName);
            }
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }
}
