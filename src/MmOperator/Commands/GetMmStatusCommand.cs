using MmOperator.Fleet;
using MmOperator.Host;
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
        if (_fleet.Keep(Market))
        {
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
            AskFleet(_fleet, FleetCall.Of("Get-MmStatus", ("Market", _fleet.MarketNames)));
        }
    }

    private void Report(MarketEntry? market)
    {
        try
        {
            var instances = Status.Read(market);
            foreach (var status in instances)
            {
                WriteTyped(status, MarketStatus.TypeName);
            }

            if (instances.Count == 0)
            {
                Context.WriteHostText(market is null
                    ? "No market is started: mmctl lists no instance (Get-MmMarket shows the stopped ones too)."
                    : $"mmctl lists no instance of {market.DisplayName}: it is not started.");
            }
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }
}
