using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows the last lines of a market's bot log, secrets masked, and can follow it.</para>
/// The log is the one <c>mmctl status &lt;market&gt; --json</c> names. A file read, for people: a
/// restricted session may not run it.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmLog")]
[OutputType(typeof(string))]
public sealed class GetMmLogCommand : OperatorCmdlet
{
    /// <summary>The market, in any accepted form (eth, ETH-USD, .env.eth).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market? Market { get; set; }

    /// <summary>How many of the last lines to show.</summary>
    [Parameter]
    [ValidateRange(0, 100000)]
    public int Tail { get; set; } = 50;

    /// <summary>Keep showing lines as the bot writes them, until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void BeginProcessing()
    {
        Context.RequireFullLanguage("Get-MmLog reads the bot's log file, which a restricted session may not do. Ask a human operator to read it; Get-MmMarket and Get-MmHealth show the markets' state.", Market?.Input);
        Require(HostPreconditions.RequireMmctl);
    }

    protected override void ProcessRecord()
    {
        if (ResolveOrWriteError(Market!) is not { } entry)
        {
            return;
        }

        try
        {
            var answer = Status.Ask(entry);
            var log = answer.Instances is [{ LogPath: { } path }, ..] ? path : throw HostResultReader.Invalid(answer.Run, "it names no log for the market");
            var (lines, end) = BotLog.Tail(log, Tail);
            WriteLines(lines);
            if (lines.Count == 0 && Tail > 0)
            {
                Context.WriteHostText($"The log {log} is empty{(Wait ? "; waiting for its first line (Ctrl+C ends)" : string.Empty)}.");
            }
            if (Wait)
            {
                WriteLines(BotLog.Follow(log, end, pause => !Context.StopToken.WaitHandle.WaitOne(pause)));
            }
        }
        catch (OperatorException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }

    private void WriteLines(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            WriteObject(Masker.Apply(line));
        }
    }
}
