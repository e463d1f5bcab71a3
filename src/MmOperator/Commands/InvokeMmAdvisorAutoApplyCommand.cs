using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Host;
using MmOperator.Reporting;

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
        // A restricted session plans from the files alone, so there -WhatIf shows the very Plan its ticket binds.
        if (IsWhatIf && !IsRestricted)
        {
            WriteHostText(RunbookText.Plan($"{command.CommandLine} (applies the pending proposals with deadman, high confidence, escalation target warren and a passed guardrail; they are listed when approval is asked)", reason, needsApproval: true));
            return;
        }

        if ((IsRestricted ? ReadFilesUnlisted() : ReadPendingFiles()) is not { } files)
        {
            return;
        }

        var planned = files.WarrenAuto().Select(ToProposal).ToList();
        if (planned.Select(p => (Proposal: p, Refusal: PolicyRefusal(p))).FirstOrDefault(x => x.Refusal is not null) is ({ } refused, { } refusal))
        {
            RecordRefusal(Action, refused.Market, reason, refusal, refused.Param);
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{refusal.Message} warren-auto would apply it with the others, so nothing is run.", refusal), refusal.ErrorId, refusal.Category, refused));
            return;
        }

        if (planned.Count == 0)
        {
            WriteWarning("No pending proposal is eligible for warren-auto (deadman, high confidence, escalation target warren, guardrail passed, not rejected). Nothing was run.");
            if (!IsWhatIf)
            {
                Record(new AuditRecord { Action = Action, Reason = reason, Approval = "None", Outcome = "NoChange", Detail = "nothing eligible; not run" });
            }

            return;
        }

        var list = string.Join("; ", planned.Select(p => $"{p.ProposalId}: {Masker.Apply(p.Change)} in {Path.GetFileName(p.EnvPath)}"));
        var plan = RunbookText.Plan(PlannedLine(command, $"applies {planned.Count}, in this order: {list}"), reason, needsApproval: true);
        if (Approve(new BoundAction { Action = Action, Target = $"{planned.Count} proposal(s)", Commands = PlannedCommands(command), Reason = reason, Plan = plan }) is not { } approval
            || !ConfirmPlanned(planned, pending => pending.WarrenAuto(), Action, reason, approval))
        {
            return;
        }

        RequireJournal();
        ReportApplication(command, RunHost(command), planned, Action, reason, approval);
    }
}
