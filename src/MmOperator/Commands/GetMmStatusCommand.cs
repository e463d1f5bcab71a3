using System.Management.Automation;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows the bot instances as mmctl status reports them.</para>
/// Runs <c>mmctl status --json</c>, or <c>mmctl status &lt;market&gt; --json</c> per market. Reading
/// status needs no approval (runbook).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmStatus")]
[OutputType(typeof(MarketStatus))]
public sealed class GetMmStatusCommand : OperatorCmdlet
{
    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth); none means every instance mmctl lists.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    protected override void BeginProcessing() => Require(HostPreconditions.RequireMmctl);

    protected override void ProcessRecord()
    {
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
                Session.WriteHostText(market is null
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
