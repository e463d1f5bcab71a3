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
            var markets = Status.Overview();
            var shown = markets.Where(m => State is null || State.Contains(m.State)).ToList();
            foreach (var market in shown)
            {
                WriteTyped(market, MarketStatus.TypeName);
            }

            if (shown.Count == 0)
            {
                Session.WriteHostText(markets.Count == 0
                    ? $"No market is configured: the repo {Options.RepoPath} has no .env.<market> file."
                    : $"No market is {string.Join(" or ", State!)}; the repo has {markets.Count} (Get-MmMarket without -State lists them).");
            }
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }
}
