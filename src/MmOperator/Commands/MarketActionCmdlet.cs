using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Markets;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// The one flow every approved market action takes: validate, Plan, approval (ShouldProcess once per
/// market), fail-closed audit check, the allow-listed command, its JSON read per the contract, a fresh
/// status, one journal record, one result object.
/// </summary>
public abstract class MarketActionCmdlet : TicketedCmdlet
{
    /// <summary>After mmctl says started, the bot may still die a moment later; only a later status shows it.</summary>
    private static readonly TimeSpan StartSettle = TimeSpan.FromSeconds(1);

    /// <summary>mmctl sends SIGTERM and does not wait; a bot that obeys it is gone well within this.</summary>
    private static readonly TimeSpan StopVerifyWait = TimeSpan.FromSeconds(5);

    /// <summary>Resolves, plans, asks, runs and reports one market action.</summary>
    protected void Perform(MarketAction action, Market market)
    {
        if (ValidReason(action.Name(), market.Input) is { } reason && ResolveOrRefuse(action.Name(), market, reason) is { } entry)
        {
            Perform(action, entry, reason);
        }
    }

    /// <summary>Plans, asks, runs and reports one action on a market that exists.</summary>
    protected void Perform(MarketAction action, MarketEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var command = MarketActions.Command(action, Options, entry);
        var plan = RunbookText.Plan(command.CommandLine, reason, needsApproval: true);
        var approval = Approve(new BoundAction { Action = action.Name(), Target = entry.DisplayName, Commands = [command.CommandLine], Reason = reason, Plan = plan });
        if (approval is null)
        {
            return;
        }

        RequireJournal();
        var run = RunHost(command, action.CanTakeLong() ? $"{action} {entry.DisplayName}" : null);
        var meaning = StoppedProcessGone(LifecycleInterpreter.Interpret(action, run));
        if (meaning.Outcome == ActionOutcome.Succeeded && action != MarketAction.Stop)
        {
            StopToken.WaitHandle.WaitOne(StartSettle);
        }

        var status = RefreshStatus(entry) is [var first, ..] ? first : null;
        if (meaning.Outcome == ActionOutcome.Succeeded && action != MarketAction.Stop && status is { State: MarketState.Stopped })
        {
            meaning = meaning with
            {
                Outcome = ActionOutcome.Failed,
                Detail = $"{meaning.Detail}, but the bot is not running a moment later (mmctl status: {RunbookText.StatusFacts(status)})",
                ErrorId = ErrorIds.MarketActionFailed,
            };
        }

        var record = Record(new AuditRecord
        {
            Action = action.Name(),
            Market = entry.DisplayName,
            Reason = reason,
            Approval = approval,
            Argv = command.Argv,
            ExitCode = run.ExitCode,
            Outcome = meaning.Outcome.ToString(),
            ErrorId = meaning.ErrorId,
            Detail = meaning.Detail,
            Result = meaning.Output,
            NewStatus = status is null ? null : RunbookText.StatusFacts(status),
        });
        var result = new ActionResult
        {
            Action = action.Name(),
            Market = entry.DisplayName,
            Command = command.CommandLine,
            ExitCode = run.ExitCode,
            Outcome = meaning.Outcome,
            Detail = meaning.Detail,
            Output = PsJson.ToPowerShell(meaning.Output),
            NewStatus = status,
            Reason = reason,
            Approval = approval,
            AuditId = record?.Id,
            Duration = run.Duration,
        };
        WriteTyped(result, ActionResult.TypeName);
        if (meaning.Outcome == ActionOutcome.Failed)
        {
            var category = meaning.ErrorId == ErrorIds.HostCommandTimedOut ? ErrorCategory.OperationTimeout : ErrorCategory.InvalidResult;
            WriteError(new ErrorRecord(new InvalidOperationException($"{action.Name()} {entry.DisplayName} failed: {meaning.Detail}"), meaning.ErrorId, category, result));
        }
    }

    /// <summary>
    /// mmctl answers "stopped" and removes the pid file even when the bot ignored SIGINT and SIGTERM,
    /// so a stop is only a success once the process it stopped is really gone.
    /// </summary>
    private Interpretation StoppedProcessGone(Interpretation meaning)
    {
        if (meaning.StoppedPid is not { } pid || ProcessProbe.WaitForExit(pid, StopVerifyWait, StopToken))
        {
            return meaning;
        }

        return meaning with
        {
            Outcome = ActionOutcome.Failed,
            Detail = $"{meaning.Detail}, but pid {pid} is still running {StopVerifyWait.TotalSeconds:0} s later: mmctl removed its pid file, so mmctl status no longer shows it. Escalate to a human now: the bot may still be quoting, and it must be ended on the host",
            ErrorId = ErrorIds.BotStillRunning,
        };
    }

    /// <summary>Runs a read-only status step: no approval, and under -WhatIf only its Plan.</summary>
    protected void ReportStatus(MarketEntry? market, string reason)
    {
        var command = market is null ? HostCommand.MmctlStatus(Options) : HostCommand.MmctlStatus(Options, market);
        if (IsWhatIf)
        {
            WriteHostText(RunbookText.Plan(command.CommandLine, reason, needsApproval: false));
            return;
        }

        try
        {
            foreach (var status in StatusReader.Read(RunHost(command), Catalog))
            {
                WriteTyped(status, MarketStatus.TypeName);
            }
        }
        catch (HostCommandException failure)
        {
            WriteError(failure.ToErrorRecord());
        }
    }
}
