using System.Management.Automation;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// The parameters every ticketed state change shares, handed to its <see cref="RunbookFlow"/>: the
/// reason, and in a restricted session the human's approval tickets. The work is the flow's.
/// </summary>
public abstract class StateChangeCmdlet : PSCmdlet, IDisposable
{
    private RunbookFlow? _flow;
    private AdvisorFlow? _advisor;

    protected StateChangeCmdlet() => Session = new CmdletHost(this);

    /// <summary>In a restricted session: approval tickets a human approved for exactly this command (Approve-MmApprovalRequest).</summary>
    /// <remarks>Virtual, as <see cref="Reason"/>: a command whose read needs no approval takes both in one parameter set only.</remarks>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public virtual string[]? ApprovalId { get; set; }

    /// <summary>Why: shown in every Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public virtual string Reason { get; set; } = string.Empty;

    protected CmdletHost Session { get; }

    /// <summary>-Force, on the cmdlets that can make a risk change (advisor applies).</summary>
    protected virtual bool ForceGiven => false;

    /// <summary>Made once bound: the tickets are the command's, for all its records.</summary>
    protected RunbookFlow Flow => _flow ??= new RunbookFlow(Session, ApprovalId) { Force = ForceGiven };

    /// <summary>The advisor commands' steps on <see cref="Flow"/>, for the four advisor cmdlets.</summary>
    protected AdvisorFlow Advisor => _advisor ??= new AdvisorFlow(Flow);

    protected override void StopProcessing() => Session.Stop();

    public void Dispose()
    {
        CmdletHost.EndCommand(_flow);
        Session.Dispose();
        GC.SuppressFinalize(this);
    }
}
