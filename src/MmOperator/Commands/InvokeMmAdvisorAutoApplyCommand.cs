using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Errors;
using MmOperator.Flow;
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
public sealed class InvokeMmAdvisorAutoApplyCommand : StateChangeCmdlet
{
    private AdvisorFlow? _advisory;

    private AdvisorFlow Advisory => _advisory ??= new AdvisorFlow(Flow);

    protected override void BeginProcessing() => Advisory.Prepare();

    private const string Action = "advisor_warren_auto";

    protected override void EndProcessing()
    {
        if (Flow.ValidReason(Reason, Action, null) is not { } reason)
        {
            return;
        }

        var command = HostCommand.AdvisorWarrenAuto(Session.Options);
        // A restricted session plans from the files alone, so there -WhatIf shows the very Plan its ticket binds.
        if (Flow.IsWhatIf && !Flow.IsRestricted)
        {
            Flow.WritePlan($"{command.CommandLine} (applies the pending proposals with deadman, high confidence, escalation target warren and a passed guardrail; they are listed when approval is asked)", reason, needsApproval: true);
            return;
        }

        if ((Flow.IsRestricted ? Advisory.ReadFilesUnlisted() : Advisory.ReadPendingFiles()) is not { } files)
        {
            return;
        }

        var planned = files.WarrenAuto().Select(Advisory.ToProposal).ToList();
        if (planned.Select(p => (Proposal: p, Refusal: Advisory.PolicyRefusal(p))).FirstOrDefault(x => x.Refusal is not null) is ({ } refused, { } refusal))
        {
            Flow.Refuse(new OperatorException(refusal.ErrorId, refusal.Category, $"{refusal.Message} warren-auto would apply it with the others, so nothing is run.", refused, refusal), Action, refused.Market, reason, refused.Param, terminating: true);
        }

        if (planned.Count == 0)
        {
            WriteWarning("No pending proposal is eligible for warren-auto (deadman, high confidence, escalation target warren, guardrail passed, not rejected). Nothing was run.");
            if (!Flow.IsWhatIf)
            {
                Flow.Record(new AuditRecord { Action = Action, Reason = reason, Approval = ApprovalMode.None, Outcome = AuditOutcome.NoChange, Detail = "nothing eligible; not run" });
            }

            return;
        }

        var list = string.Join("; ", planned.Select(p => $"{p.ProposalId}: {Session.Masker.Apply(p.Change)} in {Path.GetFileName(p.EnvPath)}"));
        if (Flow.Approve(Action, $"{planned.Count} proposal(s)", reason, Advisory.PlannedLine(command, $"applies {planned.Count}, in this order: {list}"), Advisory.PlannedCommands(command)) is not { } approval
            || !Advisory.ConfirmPlanned(planned, pending => pending.WarrenAuto(), Action, reason, approval))
        {
            return;
        }

        Flow.RequireJournal();
        Advisory.ReportApplication(command, Session.RunHost(command), planned, Action, reason, approval);
    }
}
