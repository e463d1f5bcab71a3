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

    private readonly HashSet<string> _slugs = new(StringComparer.Ordinal);

    /// <summary>Only these markets, in any form and letter case (eth, ETH, eth-usd, .env.eth); none means every market.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>Only markets in these states.</summary>
    [Parameter]
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

    protected override void ProcessRecord()
    {
        if (_fleet.Keep(Market))
        {
            return;
        }

        foreach (var market in Market ?? [])
        {
            if (ResolveOrWriteError(market) is { } entry)
            {
                _slugs.Add(entry.Slug);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_fleet.IsGiven)
        {
            AskFleet(_fleet, FleetCall.Of("Get-MmMarket", ("Market", _fleet.MarketNames), ("State", State?.Select(s => s.ToString()).ToArray())));
            return;
        }

        // Markets named (or piped, even none): only those. Listing all when every one was refused, or
        // nothing was piped, would answer another question.
        var named = Market is { Length: > 0 } || MyInvocation.ExpectingInput;
        if (named && _slugs.Count == 0)
        {
            return;
        }

        try
        {
            var markets = Status.Overview().Where(m => !named || _slugs.Contains(m.Slug)).ToList();
            var shown = markets.Where(m => State is null || State.Contains(m.State)).ToList();
            foreach (var market in shown)
            {
                WriteTyped(market, MarketStatus.TypeName);
            }

            if (shown.Count == 0)
            {
                Context.WriteHostText(markets.Count == 0
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
