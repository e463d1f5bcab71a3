using MmOperator.Audit;
using MmOperator.EnvFiles;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists every change of the .env files' keys over time, oldest first: before and after, when, who and how. Read only.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmEnvHistory")]
[OutputType(typeof(EnvHistoryEntry))]
public sealed class GetMmEnvHistoryCommand : OperatorCmdlet
{
    /// <summary>Only changes of these markets' files (ETH-USD, eth, .env.eth; .env for the shared file; wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public string[]? Market { get; set; }

    /// <summary>Only changes of these keys (wildcards allowed).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [Alias("Key")]
    [ArgumentCompleter(typeof(EnvKeyCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only changes at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only changes at or before this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Only the changes of these command runs (a campaign's batch id).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Batch { get; set; }

    protected override void EndProcessing()
    {
        var history = EnvHistory.Read(new AuditJournal(Options.AuditLogPath).Read(), HostChangelog.PathIn(Options.RepoPath), Masker);
        foreach (var entry in EnvHistory.Where(history, new EnvHistoryFilter(Market, Name, Since, Until, Batch)))
        {
            WriteTyped(entry, EnvHistoryEntry.TypeName);
        }
    }
}
