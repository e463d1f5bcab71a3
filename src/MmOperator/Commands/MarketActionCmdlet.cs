using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// The one flow every approved market action takes: validate, Plan, approval (ShouldProcess once per
/// market), fail-closed audit check, the allow-listed command, its JSON read per the contract, a fresh
/// status, one journal record, one result object. Refusals and declines are journalled too; -WhatIf
/// prints the Plan and records nothing.
/// </summary>
public abstract class MarketActionCmdlet : OperatorCmdlet
{
    /// <summary>After mmctl says started, the bot may still die a moment later; only a later status shows it.</summary>
    private static readonly TimeSpan StartSettle = TimeSpan.FromSeconds(1);

    private AuditJournal? _journal;

    /// <summary>Why: shown in every Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = string.Empty;

    protected AuditJournal Journal => _journal ??= new AuditJournal(Options.AuditLogPath);

    /// <summary>-WhatIf as bound, or $WhatIfPreference in the caller's scope.</summary>
    protected bool IsWhatIf => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
        ? ((SwitchParameter)bound).IsPresent
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>Checks the reason and the journal before anything is asked or run; refusals stop the command.</summary>
    protected string PrepareStateChange(string? reason, string action)
    {
        Require(HostPreconditions.RequireMmctl);
        string valid;
        try
        {
            // A secret typed into a reason must not reach the plan, the result or the journal.
            valid = Masker.Apply(ReasonPolicy.Validate(reason));
        }
        catch (OperatorException refusal)
        {
            RecordRefusal(action, null, MarketCatalog.Printable(reason ?? string.Empty), refusal);
            ThrowTerminatingError(refusal.ToErrorRecord());
            throw;
        }

        if (!IsWhatIf)
        {
            RequireJournal();
        }

        return valid;
    }

    protected void RequireJournal()
    {
        try
        {
            Journal.EnsureWritable();
        }
        catch (OperatorException unavailable)
        {
            ThrowTerminatingError(unavailable.ToErrorRecord());
        }
    }

    /// <summary>Resolves, plans, asks, runs and reports one market action.</summary>
    protected void Perform(MarketAction action, Market market, string reason)
    {
        if (ResolveOrRefuse(action.Name(), market, reason) is { } entry)
        {
            Perform(action, entry, reason);
        }
    }

    /// <summary>The market's catalog entry, or null after journalling and reporting the refusal.</summary>
    protected MarketEntry? ResolveOrRefuse(string action, Market market, string reason)
    {
        ArgumentNullException.ThrowIfNull(market);
        try
        {
            return Catalog.Resolve(market);
        }
        catch (OperatorException refusal)
        {
            RecordRefusal(action, market.Input, reason, refusal);
            WriteError(refusal.ToErrorRecord());
            return null;
        }
    }

    /// <summary>Plans, asks, runs and reports one action on a market that exists.</summary>
    protected void Perform(MarketAction action, MarketEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var command = MarketActions.Command(action, Options, entry);
        var plan = RunbookText.Plan(command.CommandLine, reason, needsApproval: true);
        var approval = Approve(plan, $"Approve: {action.Name()} {entry.DisplayName}?", action.Name(), entry, reason);
        if (approval is null)
        {
            return;
        }

        RequireJournal();
        var run = RunHost(command, action.CanTakeLong() ? $"{action} {entry.DisplayName}" : null);
        var meaning = LifecycleInterpreter.Interpret(action, run);
        if (meaning.Outcome == ActionOutcome.Succeeded && action != MarketAction.Stop)
        {
            StopToken.WaitHandle.WaitOne(StartSettle);
        }

        var status = RefreshStatus(entry);
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

    /// <summary>Runs a read-only status step: no approval, and under -WhatIf only its Plan.</summary>
    protected void ReportStatus(MarketEntry? market, string reason)
    {
        var command = market is null ? HostCommand.MmctlStatus(Options) : HostCommand.MmctlStatus(Options, market);
        if (IsWhatIf)
        {
            Host.UI.WriteLine(RunbookText.Plan(command.CommandLine, reason, needsApproval: false));
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

    /// <summary>Records an attempt that was refused before approval; the refusal itself is reported by the caller.</summary>
    protected void RecordRefusal(string action, string? market, string? reason, OperatorException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (IsWhatIf)
        {
            return;
        }

        try
        {
            Record(new AuditRecord
            {
                Action = action,
                Market = market is null ? null : MarketCatalog.Printable(market),
                Reason = reason,
                Approval = ApprovalMode.None,
                Outcome = "Refused",
                ErrorId = refusal.ErrorId,
                Detail = refusal.Message,
            }, throwIfUnavailable: true);
        }
        catch (OperatorException unavailable)
        {
            WriteWarning($"The refusal could not be recorded: {unavailable.Message}");
        }
    }

    /// <summary>
    /// ShouldProcess with the Plan as its text. Returns how it was approved, or null when it was not
    /// (declined, or -WhatIf, which prints exactly the Plan). A prompt that cannot be shown
    /// (-NonInteractive) stops the command: approval is required.
    /// </summary>
    private string? Approve(string plan, string caption, string action, MarketEntry entry, string reason)
    {
        if (IsWhatIf)
        {
            Host.UI.WriteLine(plan);
            return null;
        }

        bool approved;
        try
        {
            approved = ShouldProcess(plan, plan + "\n\nApprove and run it?", caption);
        }
        catch (Exception noPrompt) when (noPrompt is PSInvalidOperationException or System.Management.Automation.Host.HostException)
        {
            var refusal = new OperatorException(ErrorIds.ApprovalRequired, ErrorCategory.PermissionDenied, $"{action} {entry.DisplayName} needs approval and this session cannot ask for it ({noPrompt.Message}). Nothing ran. A script approves explicitly with -Confirm:$false.", entry.DisplayName, noPrompt);
            RecordRefusal(action, entry.DisplayName, reason, refusal);
            ThrowTerminatingError(refusal.ToErrorRecord());
            return null;
        }

        if (!approved)
        {
            Record(new AuditRecord { Action = action, Market = entry.DisplayName, Reason = reason, Approval = ApprovalMode.None, Outcome = "Declined", Detail = "not approved at the prompt" });
            WriteVerbose($"Not approved: {action} {entry.DisplayName}. Nothing ran.");
            return null;
        }

        bool? confirm = MyInvocation.BoundParameters.TryGetValue("Confirm", out var bound) ? ((SwitchParameter)bound).IsPresent : null;
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference"), out var value) ? value : ConfirmImpact.High;
        return ApprovalMode.Describe(confirm, preference, ConfirmImpact.High);
    }

    private MarketStatus? RefreshStatus(MarketEntry entry)
    {
        try
        {
            var statuses = StatusReader.Read(RunHost(HostCommand.MmctlStatus(Options, entry)), Catalog);
            return statuses.Count > 0 ? statuses[0] : null;
        }
        catch (HostCommandException failure)
        {
            WriteError(new ErrorRecord(failure, ErrorIds.StatusRefreshFailed, failure.Category, failure.Target));
            return null;
        }
    }

    /// <summary>Appends to the journal with the caller's identity; after an action ran, a failed write is an error, not a rollback.</summary>
    private AuditRecord? Record(AuditRecord record, bool throwIfUnavailable = false)
    {
        record.User = Environment.UserName;
        record.HostName = Environment.MachineName;
        record.ProcessId = Environment.ProcessId;
        record.LanguageMode = SessionState.LanguageMode.ToString();
        record.Cmdlet = MyInvocation.MyCommand.Name;
        record.Reason = record.Reason is null ? null : Masker.Apply(record.Reason);
        record.Detail = record.Detail is null ? null : Masker.Apply(record.Detail);
        try
        {
            return Journal.Append(record);
        }
        catch (OperatorException unavailable) when (!throwIfUnavailable)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"{record.Action} {record.Market} ran ({record.Outcome}) but could not be recorded: {unavailable.Message}", unavailable), ErrorIds.AuditJournalUnavailable, ErrorCategory.WriteError, Journal.Path));
            return null;
        }
    }
}
