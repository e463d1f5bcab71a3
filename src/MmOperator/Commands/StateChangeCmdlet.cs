using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// What every state-changing cmdlet shares: the reason rule, approval through ShouldProcess with the
/// runbook's Plan as its text, the fail-closed audit journal, and a fresh status afterwards. Refusals
/// and declines are journalled too; -WhatIf prints the Plan and records nothing.
/// </summary>
public abstract class StateChangeCmdlet : OperatorCmdlet
{
    private readonly Dictionary<string, string?> _checkedReasons = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedTickets = new(StringComparer.Ordinal);
    private AuditJournal? _journal;

    /// <summary>Why: shown in every Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Reason { get; set; } = string.Empty;

    /// <summary>Approval tickets given to this command; see <see cref="TicketedCmdlet"/>.</summary>
    protected virtual IReadOnlyList<string>? Tickets => null;

    protected AuditJournal Journal => _journal ??= new AuditJournal(Options.AuditLogPath);

    /// <summary>
    /// A session not in FullLanguage (the agent's restricted endpoint) can pass -Confirm:$false itself,
    /// so there approval is enforced with a human's ticket, not requested.
    /// </summary>
    protected bool IsRestricted => SessionState.LanguageMode != PSLanguageMode.FullLanguage;

    /// <summary>-WhatIf as bound, or $WhatIfPreference in the caller's scope.</summary>
    protected bool IsWhatIf => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
        ? ((SwitchParameter)bound).IsPresent
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>Before anything is asked or run: the host is there and the journal can be written.</summary>
    protected void PrepareStateChange()
    {
        Require(HostPreconditions.RequireMmctl);
        if (!IsWhatIf)
        {
            RequireJournal();
        }
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

    /// <summary>
    /// The current record's reason, checked (it reaches the plan, the result and the journal as typed:
    /// masking it where it equals a secret would answer guesses); null after the refusal was journalled
    /// and written as an error.
    /// </summary>
    protected string? ValidReason(string action, string? market, string? key = null)
    {
        if (!_checkedReasons.TryGetValue(Reason, out var valid))
        {
            try
            {
                valid = ReasonPolicy.Validate(Reason);
            }
            catch (OperatorException)
            {
                valid = null;
            }

            _checkedReasons[Reason] = valid;
        }

        if (valid is null)
        {
            try
            {
                ReasonPolicy.Validate(Reason);
            }
            catch (OperatorException refusal)
            {
                RecordRefusal(action, market, MarketCatalog.Printable(Reason), refusal, key);
                WriteError(refusal.ToErrorRecord());
            }
        }

        return valid;
    }

    /// <summary>
    /// ShouldProcess with the Plan as its text. Returns how it was approved, or null when it was not
    /// (refused because a value could only be shown masked, declined, or -WhatIf, which prints exactly
    /// the Plan). A prompt that cannot be shown (-NonInteractive) stops the command: approval is required.
    /// </summary>
    protected string? Approve(BoundAction subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        subject = subject with { Cmdlet = MyInvocation.MyCommand.Name };
        var (plan, action, target, reason, key) = (subject.Plan, subject.Action, subject.Target, subject.Reason, subject.Key);
        if (subject.Unshowable() is { } unshowable)
        {
            RecordRefusal(action, target, reason, unshowable, key);
            WriteError(unshowable.ToErrorRecord());
            return null;
        }

        if (IsWhatIf)
        {
            WriteHostText(plan);
            return null;
        }

        if (IsRestricted)
        {
            return ApproveWithTicket(subject);
        }

        bool approved;
        try
        {
            approved = ShouldProcess(plan, plan + "\n\nApprove and run it?", $"Approve: {action} {target}?");
        }
        catch (Exception noPrompt) when (noPrompt is PSInvalidOperationException or System.Management.Automation.Host.HostException)
        {
            var refusal = new OperatorException(ErrorIds.ApprovalRequired, ErrorCategory.PermissionDenied, $"{action} {target} needs approval and this session cannot ask for it ({noPrompt.Message}). Nothing ran. A script approves explicitly with -Confirm:$false.", target, noPrompt);
            RecordRefusal(action, target, reason, refusal, key);
            ThrowTerminatingError(refusal.ToErrorRecord());
            return null;
        }

        if (!approved)
        {
            Record(new AuditRecord { Action = action, Market = target, Key = key, Reason = reason, Approval = ApprovalMode.None, Outcome = "Declined", Detail = "not approved at the prompt" });
            WriteVerbose($"Not approved: {action} {target}. Nothing ran.");
            return null;
        }

        return DescribeApproval();
    }

    /// <summary>How the ShouldProcess that just returned true was approved.</summary>
    protected string DescribeApproval()
    {
        bool? confirm = MyInvocation.BoundParameters.TryGetValue("Confirm", out var bound) ? ((SwitchParameter)bound).IsPresent : null;
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference"), out var value) ? value : ConfirmImpact.High;
        return ApprovalMode.Describe(confirm, preference, ConfirmImpact.High);
    }

    /// <summary>
    /// Uses a ticket that binds exactly this action (<see cref="BoundAction"/>), once; without one, files
    /// an approval request for a human and runs nothing.
    /// </summary>
    private string? ApproveWithTicket(BoundAction subject)
    {
        var (plan, action, target, reason, key) = (subject.Plan, subject.Action, subject.Target, subject.Reason, subject.Key);
        var store = new ApprovalStore(Options.ApprovalStorePath);
        var binding = subject.Binding();
        if (Tickets is { Count: > 0 } ids)
        {
            OperatorException? last = null;
            foreach (var id in ids.Where(i => !_usedTickets.Contains(i)))
            {
                try
                {
                    store.Consume(id, binding);
                    _usedTickets.Add(id);
                    return $"Ticket {id}";
                }
                catch (OperatorException rejected)
                {
                    last = rejected;
                }
            }

            var refusal = last ?? new OperatorException(ErrorIds.ApprovalRejected, ErrorCategory.PermissionDenied, $"{action} {target}: every given approval was already used by this command. Nothing ran.", target);
            RecordRefusal(action, target, reason, refusal, key);
            WriteError(refusal.ToErrorRecord());
            return null;
        }

        ApprovalRequest request;
        try
        {
            request = store.File(new ApprovalRequest
            {
                Cmdlet = subject.Cmdlet,
                Action = action,
                Target = target,
                Key = key,
                Reason = reason,
                Plan = plan,
                Binding = binding,
                Requester = $"{ApprovalRequest.CurrentOwner} pid {Environment.ProcessId} ({SessionState.LanguageMode}{(AgentSession.Current.Via is { } via ? ", via " + via : string.Empty)})",
            }, TimeSpan.FromSeconds(Options.ApprovalLifetimeSec));
        }
        catch (OperatorException limit)
        {
            RecordRefusal(action, target, reason, limit, key);
            WriteError(limit.ToErrorRecord());
            return null;
        }

        var pending = new OperatorException(
            ErrorIds.ApprovalPending,
            ErrorCategory.PermissionDenied,
            $"{action} {target} needs a human's approval in this restricted session; nothing ran. Approval request {request.Id} is filed (expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC). Hand the id to a human, who runs in a normal session: Approve-MmApprovalRequest {request.Id}. Then re-run exactly the same command with -ApprovalId {request.Id}.",
            request.Id);
        Record(new AuditRecord { Action = action, Market = target, Key = key, Reason = reason, Approval = ApprovalMode.None, Outcome = "PendingApproval", ErrorId = ErrorIds.ApprovalPending, Detail = $"approval request {request.Id} filed: {plan}" });
        WriteError(pending.ToErrorRecord());
        return null;
    }

    /// <summary>The market's catalog entry, or null after journalling and reporting the refusal.</summary>
    protected MarketEntry? ResolveOrRefuse(string action, Market market, string? reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(market);
        try
        {
            return Catalog.Resolve(market);
        }
        catch (OperatorException refusal)
        {
            RecordRefusal(action, market.Input, reason, refusal, key);
            WriteError(refusal.ToErrorRecord());
            return null;
        }
    }

    /// <summary>Records an attempt that was refused before approval; the refusal itself is reported by the caller.</summary>
    protected void RecordRefusal(string action, string? market, string? reason, OperatorException refusal, string? key = null)
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
                Key = key is null ? null : MarketCatalog.Printable(key),
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

    /// <summary>mmctl status of one market, or of every instance; null (after an error) when it gave no usable answer.</summary>
    protected IReadOnlyList<MarketStatus>? RefreshStatus(MarketEntry? market)
    {
        try
        {
            var command = market is null ? HostCommand.MmctlStatus(Options) : HostCommand.MmctlStatus(Options, market);
            return StatusReader.Read(RunHost(command), Catalog);
        }
        catch (HostCommandException failure)
        {
            WriteError(new ErrorRecord(failure, ErrorIds.StatusRefreshFailed, failure.Category, failure.Target));
            return null;
        }
    }

    /// <summary>
    /// Appends to the journal with the caller's identity; after a change was made, a failed write is an
    /// error, not a rollback. Host text in the record is masked where it is read; the reason and detail
    /// also carry what the caller typed, so here they get only the net that depends on no secret.
    /// </summary>
    protected AuditRecord? Record(AuditRecord record, bool throwIfUnavailable = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.User = Environment.UserName;
        record.HostName = Environment.MachineName;
        record.ProcessId = Environment.ProcessId;
        record.LanguageMode = SessionState.LanguageMode.ToString();
        record.Cmdlet = MyInvocation.MyCommand.Name;
        record.Reason = SecretMasker.HideAssignments(record.Reason);
        record.Detail = SecretMasker.HideAssignments(record.Detail);
        try
        {
            return Journal.Append(record);
        }
        catch (OperatorException unavailable) when (!throwIfUnavailable)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"{record.Action} {record.Market} {record.Key} ran ({record.Outcome}) but could not be recorded: {unavailable.Message}", unavailable), ErrorIds.AuditJournalUnavailable, ErrorCategory.WriteError, Journal.Path));
            return null;
        }
    }
}
