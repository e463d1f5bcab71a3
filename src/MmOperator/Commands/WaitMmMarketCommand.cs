using System.Diagnostics;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Waits until each market is Running, Stopped, Crashed or Orphaned, polling mmctl status.</para>
/// Polls <c>mmctl status &lt;market&gt; --json</c> every 250 ms up to -Timeout; changes nothing.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "MmMarket")]
[OutputType(typeof(MarketStatus))]
public sealed class WaitMmMarketCommand : OperatorCmdlet
{
    private readonly List<MarketEntry> _markets = [];

    /// <summary>Markets in any accepted form (eth, ETH-USD, .env.eth).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[] Market { get; set; } = [];

    /// <summary>The state to wait for.</summary>
    [Parameter(Mandatory = true)]
    public MarketState State { get; set; }

    /// <summary>The longest wait in seconds; bounded, so an agent cannot hold its session.</summary>
    [Parameter]
    [ValidateRange(0.1, 600)]
    public double Timeout { get; set; } = 30;

    protected override void BeginProcessing() => Require(HostPreconditions.RequireMmctl);

    protected override void ProcessRecord()
    {
        foreach (var market in Market)
        {
            if (ResolveOrWriteError(market) is { } entry)
            {
                _markets.Add(entry);
            }
        }
    }

    protected override void EndProcessing()
    {
        var clock = Stopwatch.StartNew();
        var waiter = new MarketWaiter(ReadStatus, pause => !Context.StopToken.WaitHandle.WaitOne(pause), () => clock.Elapsed);
        var timeout = TimeSpan.FromSeconds(Timeout);
        foreach (var outcome in waiter.Wait(_markets, State, timeout))
        {
            if (outcome.Reached)
            {
                WriteTyped(outcome.Status!, MarketStatus.TypeName);
            }
            else
            {
                WriteError(MarketWaiter.TimedOut(outcome, State, timeout).ToErrorRecord());
            }
        }
    }

    private MarketStatus? ReadStatus(MarketEntry entry)
    {
        try
        {
            return Status.One(entry);
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
            return null;
        }
    }
}
