using MmOperator.Audit;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Verifies the audit journal's hash chain and reports the first broken or edited record.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MmAuditLog")]
[OutputType(typeof(AuditVerification))]
public sealed class TestMmAuditLogCommand : OperatorCmdlet
{
    /// <summary>Another journal than the configured AuditLogPath.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        RefusePathWhenRestricted(Path);
        var verification = new AuditJournal(Path is null ? Options.AuditLogPath : ResolveUserPath(Path)).Verify();
        WriteTyped(verification, AuditVerification.TypeName);
        if (!verification.IsValid)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"The audit journal '{verification.Path}' is broken at line {verification.FirstBrokenLine}: {verification.Problem}. {verification.RecordCount} records before it verify."),
                ErrorIds.AuditChainBroken,
                ErrorCategory.InvalidData,
                verification));
        }
    }
}
