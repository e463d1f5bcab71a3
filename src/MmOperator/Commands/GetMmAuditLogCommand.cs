using MmOperator.Audit;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Reads the audit journal: one record per state-changing attempt, oldest first.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmAuditLog")]
[OutputType(typeof(AuditRecord))]
public sealed class GetMmAuditLogCommand : OperatorCmdlet
{
    /// <summary>Only records at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only records for these markets, in any of the three forms (ETH-USD, eth, .env.eth; wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public string[]? Market { get; set; }

    /// <summary>Only records of these actions (start, stop, restart, set, remove, advisor_*, approval_*; wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AuditActionCompleter))]
    public string[]? Action { get; set; }

    /// <summary>Only records that ended so: Succeeded, NoChange, Failed, Refused, Declined, PendingApproval or Cancelled.</summary>
    [Parameter]
    public AuditOutcome[]? Outcome { get; set; }

    /// <summary>Only the last N matching records.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Another journal than the configured AuditLogPath.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        RefusePathWhenRestricted(Path);
        var journal = new AuditJournal(Path is null ? Options.AuditLogPath : ResolveUserPath(Path));
        // A market's file name (.env.eth) stands for its slug, which every record's market also matches.
        var markets = Patterns(Market?.Select(m => MmOperator.Markets.Market.Parse(m) is { Form: MarketForm.EnvFile, Slug: { } slug } ? slug : m).ToArray());
        var actions = Patterns(Action);
        var since = Since?.ToUniversalTime();
        // Counted as read: the journal is streamed, and an empty one is said apart from one no record of which matches.
        var read = 0;
        var records = journal.Read()
            .Select(r => { read++; return r; })
            .Where(r => since is null || r.Time >= since)
            .Where(r => markets is null || (r.Market is not null && markets.Any(p => p.IsMatch(r.Market) || p.IsMatch(Slug(r.Market)))))
            .Where(r => actions is null || actions.Any(p => p.IsMatch(r.Action)))
            .Where(r => Outcome is null || Outcome.Contains(r.Outcome));
        if (Last is { } last)
        {
            records = records.TakeLast(last);
        }

        var written = 0;
        foreach (var record in records)
        {
            record.ResultJson = Reporting.CsvField.Json(record.Result);
            record.Result = PsJson.ToPowerShell(record.Result);
            WriteTyped(record, AuditRecord.TypeName);
            written++;
        }

        if (written == 0)
        {
            Context.WriteHostText(read == 0 ? $"The audit journal {journal.Path} is empty: nothing was changed or refused yet." : $"No record of the audit journal matches ({read} records in {journal.Path}).");
        }
    }

    private static List<WildcardPattern>? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToList();

    private static string Slug(string market) => MmOperator.Markets.Market.SlugOfSymbol(market);
}
