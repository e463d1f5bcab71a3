using System.Management.Automation;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// What every .env-editing cmdlet (Set-, Remove-, Undo-MmEnvParam) shares: its switches and one
/// <see cref="EnvEditFlow"/>, which does the work once every record is collected.
/// </summary>
public abstract class EnvFlowCmdlet : PSCmdlet, IDisposable
{
    private EnvEditFlow? _edit;

    protected EnvFlowCmdlet() => Session = new CmdletHost(this);

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

    protected CmdletHost Session { get; }

    /// <summary>set or remove, as in plans and the journal.</summary>
    protected abstract string ActionName { get; }

    protected EnvEditFlow Edit => _edit ??= new EnvEditFlow(new RunbookFlow(Session, ApprovalId) { Force = Force }, ActionName) { ContinueOnError = ContinueOnError };

    protected override void BeginProcessing() => Edit.Prepare();

    protected override void StopProcessing() => Session.Stop();

    public void Dispose()
    {
        CmdletHost.EndCommand(_edit?.Flow);
        Session.Dispose();
        GC.SuppressFinalize(this);
    }
}
