using System.Management.Automation;
using MmOperator.Lifecycle;
using MmOperator.Markets;

namespace MmOperator.Commands;

/// <summary>Start-, Stop- and Restart-MmMarket: the same parameters and flow, one mmctl action each.</summary>
public abstract class MarketLifecycleCommand : MarketActionCmdlet
{
    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); status objects bind by their Market property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[] Market { get; set; } = [];


    protected abstract MarketAction Action { get; }

    protected override void BeginProcessing() => PrepareStateChange();

    protected override void ProcessRecord()
    {
        foreach (var market in Market)
        {
            Perform(Action, market);
        }
    }
}
