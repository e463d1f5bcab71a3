using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>The parameters Approve- and Deny-MmApprovalRequest share, handed to an <see cref="ApprovalDecision"/>.</summary>
public abstract class ApprovalDecisionCmdlet : PSCmdlet, IDisposable
{
    private ApprovalDecision? _decision;

    protected ApprovalDecisionCmdlet() => Context = new CmdletContext(this);

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    /// <summary>Why the request is decided: kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    protected CmdletContext Context { get; }

    protected abstract bool Grants { get; }

    private ApprovalDecision Decision => _decision ??= new ApprovalDecision(new RunbookFlow(Context), Grants);

    protected override void BeginProcessing() => Decision.Prepare(Reason);

    protected override void ProcessRecord() => Decision.Decide(Id, Reason);

    protected override void StopProcessing() => Context.Stop();

    public void Dispose()
    {
        CmdletContext.EndCommand(_decision?.Flow);
        Context.Dispose();
        GC.SuppressFinalize(this);
    }
}
