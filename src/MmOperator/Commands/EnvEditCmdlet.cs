using MmOperator.EnvFiles;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// The parameters Set- and Remove-MmEnvParam share: each record one request, collected, then handed to
/// the <see cref="EnvEditFlow"/> as one campaign.
/// </summary>
public abstract class EnvEditCmdlet : PSCmdlet, IDisposable
{
    private readonly List<EnvEditRequest> _requests = [];
    private EnvEditFlow? _edit;

    protected EnvEditCmdlet() => Context = new CmdletContext(this);

    /// <summary>Markets whose env file to edit, in any accepted form; or use -Shared. Named, so -Shared reads the same: -Shared KEY VALUE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyCollection]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>Edit the shared &lt;repo&gt;/.env instead of a market's file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter Shared { get; set; }

    /// <summary>The key: MM_ followed by A-Z, 0-9, '_'. Protected and secret-like keys are always refused.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Key")]
    [ArgumentCompleter(typeof(EditableEnvKeyCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>Allow a key that does not start with MM_: the runbook allows it only when a human explicitly asks.</summary>
    [Parameter]
    public SwitchParameter AllowNonMmKey { get; set; }

    /// <summary>In a restricted session: approval tickets a human approved for exactly this command.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApprovalId { get; set; }

    /// <summary>
    /// The second, explicit confirmation a risk change needs (a limit changed 10x or more, to or from 0, a
    /// guard or breaker turned off): without it -Confirm:$false alone is refused, and a person retypes the market.
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Apply the valid edits of a campaign even when some are refused, and go on after a failed write.
    /// Without it, a command's edits are all or nothing: one refused edit writes none.
    /// </summary>
    [Parameter]
    public SwitchParameter ContinueOnError { get; set; }

    /// <summary>Why: shown in the Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    protected CmdletContext Context { get; }

    /// <summary>set or remove, as in plans and the journal.</summary>
    protected abstract string ActionName { get; }

    protected EnvEditFlow Edit => _edit ??= EnvEditFlow.For(Context, ApprovalId, Force, ContinueOnError, ActionName);

    protected override void BeginProcessing() => Edit.Prepare();

    /// <summary>Each piped row is only collected: every row is checked before any file is written.</summary>
    protected override void ProcessRecord() =>
        _requests.Add(new EnvEditRequest(Market, Shared, Name, AllowNonMmKey, Reason, NewValue(), GivenValue));

    protected override void EndProcessing() => Edit.Run(_requests);

    /// <summary>This record's check of its value: the value to write for the key, or null to remove it; throws the refusal.</summary>
    protected abstract Func<string, string?> NewValue();

    /// <summary>The value as the caller gave it, unchecked (a refused row's record keeps it); null for a removal.</summary>
    protected virtual string? GivenValue => null;

    protected override void StopProcessing() => Context.Stop();

    public void Dispose()
    {
        End(_edit, Context);
        GC.SuppressFinalize(this);
    }

    /// <summary>When a .env-editing cmdlet is disposed: the refusals not journalled yet are, and its session ends.</summary>
    internal static void End(EnvEditFlow? edit, CmdletContext session)
    {
        CmdletContext.EndCommand(edit?.Flow);
        session.Dispose();
    }
}
