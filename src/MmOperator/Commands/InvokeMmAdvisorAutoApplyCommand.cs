using MmOperator.Advisor;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Runs mm_advisor_apply.py --mode warren-auto --approve after approval of exactly the proposals it would apply.</para>
/// The plan is what the script will apply, decided from the host's files (read only) by its own rule:
/// eligible pending rows (deadman, high confidence, escalation target warren, guardrail passed, not
/// rejected), the newest per market and param, oldest first, at most 20. If any of those is protected
/// or secret-like, changes a key only a human may change, or would blank its key, the whole run is
/// refused: the allow-listed command cannot skip one. In a restricted session the Plan is made from the
/// files alone and the listing runs only under the ticket, which covers it (shown in the Plan).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MmAdvisorAutoApply", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ProposalApplication))]
public sealed class InvokeMmAdvisorAutoApplyCommand : StateChangeCmdlet
{
    /// <summary>The second, explicit confirmation a risk change among the proposals needs (a limit changed 10x or more, to or from 0, a guard or breaker turned off).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool ForceGiven => Force;

    protected override void BeginProcessing() => Advisor.Prepare();

    protected override void EndProcessing() => Advisor.WarrenAuto(Reason);
}
