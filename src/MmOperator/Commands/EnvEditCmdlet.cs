using System.Management.Automation;
using MmOperator.EnvFiles;
using MmOperator.Flow;
using MmOperator.Markets;

namespace MmOperator.Commands;

/// <summary>
/// The parameters Set- and Remove-MmEnvParam share: each record one request, collected, then handed to
/// the <see cref="EnvEditFlow"/> as one campaign.
/// </summary>
public abstract class EnvEditCmdlet : EnvFlowCmdlet
{
    private readonly List<EnvEditRequest> _requests = [];

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

    /// <summary>Why: shown in the Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    /// <summary>Each piped row is only collected: every row is checked before any file is written.</summary>
    protected override void ProcessRecord() =>
        _requests.Add(new EnvEditRequest(Market, Shared, Name, AllowNonMmKey, Reason, NewValue()));

    protected override void EndProcessing() => Edit.Run(_requests);

    /// <summary>This record's check of its value: the value to write for the key, or null to remove it; throws the refusal.</summary>
    protected abstract Func<string, string?> NewValue();
}
