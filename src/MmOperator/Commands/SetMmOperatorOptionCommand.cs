using System.Management.Automation;
using MmOperator.Errors;
using MmOperator.Options;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Changes the module's options for this session.</para>
/// Accepts pipeline input by property name, so <c>New-MmSandbox | Set-MmOperatorOption</c> points the
/// session at a sandbox.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MmOperatorOption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OperatorOptions))]
public sealed class SetMmOperatorOptionCommand : OperatorCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? MmctlPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? RepoPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? PythonPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? AuditLogPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, OperatorOptions.MaxTimeoutSec)]
    public int? TimeoutSec { get; set; }

    /// <summary>How long an approval request of a restricted session stays usable, in seconds.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 24 * 3600)]
    public int? ApprovalLifetimeSec { get; set; }

    /// <summary>Write the resulting options.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Surfaces a malformed MMOPERATOR_* variable as its own error before anything changes.</summary>
    protected override void BeginProcessing() => _ = Options;

    protected override void ProcessRecord()
    {
        var changed = OptionsStore.Current;
        if (MmctlPath is not null)
        {
            changed = changed with { MmctlPath = ResolveUserPath(MmctlPath) };
        }

        if (RepoPath is not null)
        {
            changed = changed with { RepoPath = ResolveUserPath(RepoPath) };
        }

        if (PythonPath is not null)
        {
            changed = changed with { PythonPathOverride = ResolveUserPath(PythonPath) };
        }

        if (AuditLogPath is not null)
        {
            changed = changed with { AuditLogPath = ResolveUserPath(AuditLogPath) };
        }

        if (ApprovalLifetimeSec is { } lifetime)
        {
            changed = changed with { ApprovalLifetimeSec = lifetime };
        }

        if (TimeoutSec is { } seconds)
        {
            changed = changed.WithTimeout(seconds, nameof(TimeoutSec));
        }

        if (!ShouldProcess($"MmctlPath={changed.MmctlPath}, RepoPath={changed.RepoPath}, PythonPath={changed.PythonPath}, AuditLogPath={changed.AuditLogPath}, TimeoutSec={changed.TimeoutSec}, ApprovalLifetimeSec={changed.ApprovalLifetimeSec}", "Set session options"))
        {
            return;
        }

        OptionsStore.Current = changed;
        WarnIfMissing(changed);
        if (PassThru)
        {
            WriteTyped(changed, GetMmOperatorOptionCommand.TypeName);
        }
    }

    /// <summary>Setting a path that does not exist yet is allowed; using it will be refused, so say so now.</summary>
    private void WarnIfMissing(OperatorOptions options)
    {
        var warned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in new Action<OperatorOptions>[] { HostPreconditions.RequireMmctl, HostPreconditions.RequirePython })
        {
            try
            {
                check(options);
            }
            catch (OperatorException problem)
            {
                if (warned.Add(problem.ErrorId))
                {
                    WriteWarning(problem.Message);
                }
            }
        }
    }
}
