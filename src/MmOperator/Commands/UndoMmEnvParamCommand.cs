using MmOperator.EnvFiles;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Puts back the value a .env key had before a recorded change, a whole campaign, or a time: an edit like any other, under the same checks, approval and journal.</para>
/// </summary>
[Cmdlet(VerbsCommon.Undo, "MmEnvParam", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(EnvChange))]
public sealed class UndoMmEnvParamCommand : PSCmdlet, IDisposable
{
    private const string ById = "ChangeId";
    private const string ByBatch = "Batch";
    private const string ByTime = "Before";

    private readonly List<string> _ids = [];
    private readonly CmdletContext _session;
    private EnvEditFlow? _edit;

    public UndoMmEnvParamCommand() => _session = new CmdletContext(this);

    /// <summary>The changes to undo: Id of Get-MmEnvHistory (a journal record's id, or changelog:&lt;line&gt;).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string[] ChangeId { get; set; } = [];

    /// <summary>Undo every change of one command run: a whole campaign (the Batch of its records).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByBatch)]
    [ValidateNotNullOrEmpty]
    public string Batch { get; set; } = string.Empty;

    /// <summary>With -Before: the market whose keys to put back (ETH-USD, eth, .env.eth, or .env for the shared file).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByTime)]
    [ArgumentCompleter(typeof(Markets.MarketCompleter))]
    [ValidateNotNullOrEmpty]
    public string Market { get; set; } = string.Empty;

    /// <summary>With -Before: only these keys (wildcards allowed); every key changed since otherwise.</summary>
    [Parameter(ParameterSetName = ByTime)]
    [Alias("Key")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EditableEnvKeyCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Put back the values the keys had at this time: every change at or after it is undone.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByTime)]
    public DateTime Before { get; set; }

    /// <summary>Why: the journal's reason becomes "undo &lt;ids&gt;: &lt;reason&gt;".</summary>
    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = string.Empty;

    /// <summary>Put the value back even over a change made since; also the second confirmation of a risk change.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Put back the keys that can be even when others are refused, and go on after a failed write.</summary>
    [Parameter]
    public SwitchParameter ContinueOnError { get; set; }

    /// <summary>Allow putting back a key that does not start with MM_ (a human's explicit request).</summary>
    [Parameter]
    public SwitchParameter AllowNonMmKey { get; set; }

    /// <summary>In a restricted session: the approval ticket a human approved for exactly this undo.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApprovalId { get; set; }

    private EnvEditFlow Edit => _edit ??= EnvEditFlow.For(_session, ApprovalId, Force, ContinueOnError, Audit.AuditActions.EnvSet);

    protected override void BeginProcessing() => Edit.Prepare();

    protected override void ProcessRecord() => _ids.AddRange(ChangeId);

    protected override void StopProcessing() => _session.Stop();

    public void Dispose()
    {
        EnvEditCmdlet.End(_edit, _session);
        GC.SuppressFinalize(this);
    }

    protected override void EndProcessing()
    {
        var history = EnvHistory.Read(_session.Journal.Read(), HostChangelog.PathIn(_session.Options.RepoPath), _session.Masker);
        if (Undone(history) is { } undone)
        {
            Edit.Run(EnvUndo.Requests(history, undone, Reason, AllowNonMmKey, Force, (key, value) => EnvValuePolicy.Check(key, value, Edit.Policy)));
        }
    }

    /// <summary>The recorded changes named, or null after the refusal: an unknown id undoes nothing.</summary>
    private List<EnvHistoryEntry>? Undone(List<EnvHistoryEntry> history)
    {
        var (undone, named) = ParameterSetName switch
        {
            ById => (history.Where(e => _ids.Contains(e.Id, StringComparer.OrdinalIgnoreCase)).ToList(), string.Join(", ", _ids)),
            ByBatch => (EnvHistory.Where(history, new EnvHistoryFilter(Batches: [Batch])).ToList(), $"batch {Batch}"),
            _ => (EnvHistory.Where(history, new EnvHistoryFilter([Market], Name, Since: Before)).ToList(), $"{Market} {string.Join(", ", Name ?? ["*"])} since {Before.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}"),
        };
        var unknown = _ids.Where(id => !history.Any(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase))).ToList();
        if (undone.Count > 0 && unknown.Count == 0)
        {
            return undone;
        }

        var what = unknown.Count > 0 ? string.Join(", ", unknown) : named;
        var refusal = new Errors.OperatorException(Errors.ErrorIds.EnvUndoNotFound, ErrorCategory.ObjectNotFound, $"No recorded .env change matches {what}. Nothing was changed. List the changes with Get-MmEnvHistory (-Market, -Name, -Since, -Batch) and pass their Id.", what);
        Edit.Flow.NewAttempt(Audit.AuditActions.EnvSet, what, Reason).Refuse(refusal);
        return null;
    }
}
