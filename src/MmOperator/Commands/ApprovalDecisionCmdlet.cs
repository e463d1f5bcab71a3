using System.Management.Automation;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>The parameters Approve- and Deny-MmApprovalRequest share, handed to an <see cref="ApprovalDecision"/>.</summary>
public abstract class ApprovalDecisionCmdlet : PSCmdlet, IDisposable
{
    private ApprovalDecision? _decision;

    protected ApprovalDecisionCmdlet() => Session = new CmdletHost(this);

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    /// <summary>Why the request is decided: kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    protected CmdletHost Session { get; }

    protected abstract bool Grants { get; }

    private ApprovalDecision Decision => _decision ??= new ApprovalDecision(new RunbookFlow(Session), Grants);

    protected override void BeginProcessing() => Decision.Prepare(Reason);

    protected override void ProcessRecord() => Decision.Decide(Id, Reason);

    protected override void StopProcessing() => Session.Stop();

    public void Dispose()
    {
        CmdletHost.EndCommand(_decision?.Flow);
        Session.Dispose();
        GC.SuppressFinalize(this);
    }
}
