using System.Globalization;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows Get-MmMarket again and again in a terminal until Ctrl+C, marking what changed and who needs a human.</para>
/// On a terminal it clears and redraws the view; with its output redirected or piped it writes each
/// snapshot once under a timestamp line. One <c>mmctl status --json</c> per refresh. A Crashed or
/// Orphaned market is marked !, what changed since the last refresh *, and a running bot shows its uptime.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "MmMarket")]
[OutputType(typeof(string))]
public sealed class WatchMmMarketCommand : OperatorCmdlet
{
    // Home the cursor and clear the screen (what Clear-Host writes on a terminal).
    private const string ClearScreen = "\u001b[H\u001b[2J";

    private static readonly ScriptBlock Render = ScriptBlock.Create("param($rows, $width) $rows | Out-String -Width $width");

    private readonly MarketWatch _watch = new();
    private List<string>? _watched;

    /// <summary>Only these markets, in any accepted form (eth, ETH-USD, .env.eth); none means every market of the repo.</summary>
    [Parameter(Position = 0)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>Seconds between refreshes.</summary>
    [Parameter]
    [ValidateRange(0.25, 3600)]
    public double Interval { get; set; } = 2;

    /// <summary>Ends after this many refreshes; without it, only Ctrl+C ends it.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Count { get; set; }

    protected override void BeginProcessing()
    {
        Require(HostPreconditions.RequireMmctl);
        if (Market is { Length: > 0 })
        {
            var entries = Market.Select(ResolveOrWriteError).ToList();
            // A market that is not in the repo is refused (its error written), not watched as an empty view.
            _watched = entries.Any(e => e is null) ? null : entries.Select(e => e!.DisplayName).ToList();
        }
    }

    protected override void EndProcessing()
    {
        if (Market is { Length: > 0 } && _watched is null)
        {
            return;
        }

        var terminal = !Console.IsOutputRedirected && Host.UI.SupportsVirtualTerminal && MyInvocation.PipelinePosition == MyInvocation.PipelineLength;
        var width = terminal && Host.UI.RawUI.BufferSize.Width > 0 ? Host.UI.RawUI.BufferSize.Width : 80;
        for (var shown = 0; Count is null || shown < Count; shown++)
        {
            if (shown > 0 && Context.StopToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(Interval)))
            {
                return;
            }

            var header = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z  Get-MmMarket every {Interval} s (Ctrl+C ends){Environment.NewLine}{MarketWatch.Legend}");
            var view = Snapshot(width);
            if (terminal)
            {
                Host.UI.Write(ClearScreen + header + Environment.NewLine + view);
            }
            else
            {
                WriteObject(header);
                WriteObject(view.Trim('\r', '\n'));
            }
        }
    }

    /// <summary>The markets through their WatchedMarket view; after a failed read, the error, and an empty view.</summary>
    private string Snapshot(int width)
    {
        try
        {
            var markets = Status.Overview()
                .Where(m => _watched is null || _watched.Contains(m.Market, StringComparer.Ordinal))
                .ToList();
            var rows = _watch.Refresh(markets, Status.Truth.Table.StartedAt, DateTime.UtcNow).Select(m =>
            {
                var row = PSObject.AsPSObject(m);
                row.TypeNames.Insert(0, WatchedMarket.TypeName);
                return row;
            }).ToArray();
            return rows.Length == 0 ? "(no markets in the repo)" + Environment.NewLine : string.Concat(InvokeCommand.InvokeScript(false, Render, null, rows, width));
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
            return string.Empty;
        }
    }
}
