using System.Management.Automation;
using MmOperator.EnvFiles;
using MmOperator.Flow;
using MmOperator.Markets;

namespace MmOperator.Commands;

/// <summary>
/// The parameters Set- and Remove-MmEnvParam share, handed to an <see cref="EnvEditFlow"/>, which does the work.
/// </summary>
public abstract class EnvEditCmdlet : PSCmdlet, IDisposable
{
    private EnvEditFlow? _edit;

    protected EnvEditCmdlet() => Session = new CmdletHost(this);

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

    /// <summary>Why: shown in the Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    protected CmdletHost Session { get; }

    /// <summary>set or remove, as in plans and the journal.</summary>
    protected abstract string ActionName { get; }

    protected EnvEditFlow Edit => _edit ??= new EnvEditFlow(new RunbookFlow(Session, ApprovalId) { Force = Force }, ActionName);

    protected override void BeginProcessing() => Edit.Prepare();

    protected override void ProcessRecord() =>
        Edit.Run(new EnvEditRequest(Market, Shared, Name, AllowNonMmKey, Reason, NewValue, GivenValue));

    /// <summary>The value to write for this record (already checked), or null to remove the key; throws the refusal.</summary>
    protected abstract string? NewValue(string key);

    /// <summary>The value as the caller gave it, unchecked (a refused row's record keeps it); null for a removal.</summary>
    protected virtual string? GivenValue => null;

    protected override void StopProcessing() => Session.Stop();

    public void Dispose()
    {
        CmdletHost.EndCommand(_edit?.Flow);
        Session.Dispose();
        GC.SuppressFinalize(this);
    }
}
