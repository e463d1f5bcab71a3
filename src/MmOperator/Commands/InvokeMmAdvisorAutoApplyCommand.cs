using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Audit;
using MmOperator.Host;
using MmOperator.Reporting;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Runs mm_advisor_apply.py --mode warren-auto --approve after approval of exactly the proposals it would apply.</para>
/// warren-auto applies every pending proposal with deadman, high confidence, escalation target warren
/// and a passed guardrail. If any of those is protected or secret-like, the whole run is refused with
/// protected_key: the allow-listed command cannot skip one.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MmAdvisorAutoApply", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ProposalApplication))]
public sealed class InvokeMmAdvisorAutoApplyCommand : AdvisorCmdlet
{
    private const string Action = "advisor_warren_auto";

    protected override void EndProcessing()
    {
        if (ValidReason(Action, null) is not { } reason)
        {
            return;
        }

        var command = HostCommand.AdvisorWarrenAuto(Options);
        if (IsWhatIf)
        {
            Host.UI.WriteLine(RunbookText.Plan($"{command.CommandLine} (applies the pending proposals with deadman, high confidence, escalation target warren and a passed guardrail; they are listed when approval is asked)", reason, needsApproval: true));
            return;
        }

        if (ListPending() is not { } pending)
        {
            return;
        }

        var eligible = pending.Where(p => p.IsWarrenAutoEligible).ToList();
        if (eligible.FirstOrDefault(p => p.IsProtected) is { } protectedOne)
        {
            var refusal = ProtectedProposal(protectedOne);
            RecordRefusal(Action, protectedOne.Market, reason, refusal, protectedOne.Param);
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{refusal.Message} warren-auto would apply it with the others, so nothing is run."), refusal.ErrorId, refusal.Category, protectedOne));
            return;
        }

        if (eligible.Count == 0)
        {
            WriteWarning("No pending proposal is eligible for warren-auto (deadman, high confidence, escalation target warren, guardrail passed). Nothing was run.");
            Record(new AuditRecord { Action = Action, Reason = reason, Approval = "None", Outcome = "NoChange", Detail = "nothing eligible; not run" });
            return;
        }

        var list = string.Join("; ", eligible.Select(p => $"{p.ProposalId}: {Masker.Apply(p.Change)}"));
        var plan = RunbookText.Plan($"{command.CommandLine} (applies {eligible.Count}: {list})", reason, needsApproval: true);
        if (Approve(plan, Action, $"{eligible.Count} proposal(s)", reason) is not { } approval)
        {
            return;
        }

        RequireJournal();
        ReportApplication(command, RunHost(command), eligible, Action, reason, approval);
    }
}
