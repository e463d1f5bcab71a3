using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Text.Json;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Runbook;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>
/// The runbook's state-change flow, once for every cmdlet: validate (reason, market), show the Plan,
/// get approval (prompt, -Confirm:$false, or a human's ticket in a restricted session), journal the
/// intent (on disk before anything runs), run the allow-listed command, verify what the host's JSON
/// cannot prove, journal how it ended, and report. Refusals and declines are journalled too, a
/// command's refusals as one record; -WhatIf prints the Plan and records nothing. One instance per command run.
/// </summary>
public sealed class RunbookFlow
{
    private readonly Dictionary<string, string> _validReasons = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedTickets = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _tickets;
    private readonly List<PlannedAction> _planned = [];
    private readonly List<ApprovedAction> _approved = [];
    private (AuditRecord First, RefusalTally Tally)? _refusals;

    /// <summary>The prompt's title: the Plan comes first and the question last, so the title asks nothing.</summary>
    public const string ConfirmCaption = "Confirm";

    /// <param name="tickets">Approval tickets given to the command (-ApprovalId): used in a restricted session only.</param>
    public RunbookFlow(IFlowHost host, IReadOnlyList<string>? tickets = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        _tickets = tickets ?? [];
    }

    public IFlowHost Host { get; }

    /// <summary>The id every record of this command run carries (<see cref="AuditRecord.Batch"/>).</summary>
    public string BatchId { get; } = AuditJournal.NewId(DateTime.UtcNow);

    /// <summary>-Force: a script's second, explicit confirmation of a risk change (<see cref="Stakes"/>).</summary>
    public bool Force { get; init; }

    /// <summary>On a host of a fleet command: its approval comes from the person's session (<see cref="FleetApprovalSource"/>).</summary>
    public FleetApprovalSource? Fleet { get; init; }

    public OperatorOptions Options => Host.Options;

    /// <summary>-WhatIf, or a fleet's plan only: nothing runs, nothing is journalled.</summary>
    public bool IsWhatIf => Host.IsWhatIf || Fleet?.PlanOnly == true;

    /// <summary>A restricted session can pass -Confirm:$false itself, so there approval is a human's ticket, not a prompt.</summary>
    public bool IsRestricted => Host.LanguageMode != PSLanguageMode.FullLanguage;

    /// <summary>A person's session: full language, and not one the agent's launcher started (as the import read it).</summary>
    public bool IsPerson => !IsRestricted && !Host.Caller.IsAgent;

    /// <summary>A refusal whose message quotes free text from the host's files (a reader's own error, never what the caller typed), masked as the host's output is.</summary>
    public OperatorException MaskHostText(OperatorException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new OperatorException(refusal.ErrorId, refusal.Category, Host.Masker.Apply(refusal.Message), refusal.Target, refusal.InnerException);
    }

    /// <summary>Stops the command for a broken precondition (configuration, missing host pieces).</summary>
    public void Require(Action<OperatorOptions> precondition) => Require(Host, precondition);

    public static void Require(IFlowHost host, Action<OperatorOptions> precondition)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(precondition);
        try
        {
            precondition(host.Options);
        }
        catch (OperatorException broken)
        {
            host.ThrowTerminatingError(broken.ToErrorRecord());
        }
    }

    /// <summary>
    /// Before anything is asked or run: mmctl is there and (unless -WhatIf) the journal takes records. A
    /// person's command that only stops markets goes on without it, warned: stopping a bot is the safe
    /// direction, so each stop's records go to the system log instead (see <see cref="RunApproved"/>).
    /// </summary>
    /// <param name="stopsOnly">The command changes nothing but stopping markets.</param>
    public void PrepareStateChange(bool stopsOnly = false)
    {
        Require(HostPreconditions.RequireMmctl);
        if (IsWhatIf)
        {
            return;
        }

        try
        {
            Host.Journal.EnsureWritable();
        }
        catch (OperatorException unusable) when (stopsOnly && IsPerson)
        {
            Host.WriteWarning($"THE AUDIT JOURNAL TAKES NO RECORDS: {JournalProblem(unusable)}. The stops you approve still run, recorded in the system log instead. Repair the journal next (Test-MmAuditLog).");
        }
        catch (OperatorException unusable)
        {
            Host.ThrowTerminatingError(unusable.ToErrorRecord());
        }
    }

    private static string JournalProblem(OperatorException unusable) => unusable.InnerException?.Message ?? unusable.Message;

    /// <summary>Fails closed: nothing runs unless its record can be written.</summary>
    public void RequireJournal() => Require(_ => Host.Journal.EnsureWritable());

    /// <summary>
    /// Refuses one attempt: journals it (not under -WhatIf), then writes the refusal as an error, or
    /// stops the command with it when <paramref name="terminating"/>.
    /// </summary>
    /// <param name="reported">The errors to write instead, when the journalled refusal sums up several (a submission's rows).</param>
    public void Refuse(OperatorException refusal, string action, string? target, string? reason, string? key = null, bool terminating = false, IReadOnlyList<OperatorException>? reported = null)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        RecordRefusal(refusal, action, target, reason, key);
        if (terminating)
        {
            RecordRefusals();
            Host.ThrowTerminatingError(refusal.ToErrorRecord());
        }

        foreach (var error in reported ?? [refusal])
        {
            Host.WriteError(error.ToErrorRecord());
        }
    }

    /// <summary>
    /// The reason, checked (it reaches the plan, the result and the journal as typed: masking it where
    /// it equals a secret would answer guesses); null after the refusal.
    /// </summary>
    public string? ValidReason(string reason, string action, string? target, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (_validReasons.TryGetValue(reason, out var known))
        {
            return known;
        }

        try
        {
            return _validReasons[reason] = ReasonPolicy.Validate(reason, Host.Masker.Keys);
        }
        catch (OperatorException refusal)
        {
            Refuse(refusal, action, target, reason, key);
            return null;
        }
    }

    /// <summary>The market's catalog entry, or null after the refusal.</summary>
    public MarketEntry? Resolve(Market market, string action, string? reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(market);
        return TryResolve(Host.Catalog, market, refusal => Refuse(refusal, action, market.Input, reason, key));
    }

    /// <summary>The market's catalog entry, or null after handing the refusal to <paramref name="refuse"/>.</summary>
    public static MarketEntry? TryResolve(MarketCatalog catalog, Market market, Action<OperatorException> refuse)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(refuse);
        try
        {
            return catalog.Resolve(market);
        }
        catch (OperatorException refusal)
        {
            refuse(refusal);
            return null;
        }
    }

    /// <summary>The runbook's Plan block, written for the person at the host.</summary>
    public void WritePlan(string actionLine, string reason, bool needsApproval, Stakes? stakes = null) =>
        Host.WriteHostText(RunbookText.Plan(actionLine, reason, needsApproval, stakes?.Flags));

    /// <summary>
    /// Plans and approves one state change; the one place the action a ticket binds is made. Returns
    /// how it was approved, or null when it was not (refused because a value could only be shown
    /// masked, declined, a request filed, or -WhatIf, which prints exactly the Plan). A prompt that
    /// cannot be shown (-NonInteractive) stops the command: approval is required.
    /// </summary>
    /// <param name="actionLine">The Plan's Action(s) line.</param>
    /// <param name="commands">The exact allow-listed command line(s) it runs; none for a direct file edit.</param>
    /// <param name="values">Every value the caller gave for it, exactly as it will be used.</param>
    /// <param name="stakes">Real money and risk changes, flagged in the Plan; a risk change also needs -Force, the name retyped, or a ticket.</param>
    public string? Approve(string action, string target, string reason, string actionLine, IReadOnlyList<string> commands, string? key = null, IReadOnlyList<string>? values = null, Stakes? stakes = null)
    {
        stakes ??= Stakes.None;
        var subject = new BoundAction
        {
            Cmdlet = Host.CmdletName,
            Action = action,
            Target = target,
            Key = key,
            Values = values ?? [],
            Commands = commands,
            Reason = reason,
            Plan = RunbookText.Plan(actionLine, reason, needsApproval: true, stakes.Flags),
        };
        if (subject.Unshowable(Host.Masker.Keys) is { } unshowable)
        {
            Refuse(unshowable, action, target, reason, key);
            return null;
        }

        // The Plan goes into the journal (the request's record, the intent): refused, not cut, when no record can hold it.
        if (!AuditJournal.Fits(subject.Plan))
        {
            Refuse(new OperatorException(ErrorIds.AuditRecordTooLarge, ErrorCategory.LimitsExceeded, $"The plan of {action} {target} is {System.Text.Encoding.UTF8.GetByteCount(subject.Plan) / 1024} KB, more than one audit journal record holds ({AuditJournal.MaxRecordBytes / 1024} KB with its other fields). Nothing was asked or run: longer text is refused, not cut. Give less at once (fewer rows, shorter values).", target), action, target, reason, key);
            return null;
        }

        if (IsWhatIf)
        {
            Host.WriteHostText(subject.Plan);
            return null;
        }

        if (IsRestricted)
        {
            // The human who approves the flagged request gives the second confirmation: the re-run needs no -Force.
            return ApproveWithTicket(subject, stakes);
        }

        if (stakes.IsRisky && !Force && Host.DescribeApproval() != ApprovalMode.Prompted)
        {
            Refuse(new OperatorException(ErrorIds.RiskChangeNeedsForce, ErrorCategory.PermissionDenied, $"{action} {target} is a risk change ({stakes.RiskSummary}), which -Confirm:$false alone does not approve. Nothing was changed. If it is intended, run it again with -Force as well; otherwise change the value by less than {RiskPolicy.Factor}x at a time.", target), action, target, reason, key);
            return null;
        }

        if (!Ask(subject.Plan, $"Approve: {VisibleText.Of(action)} {VisibleText.Of(target)}?", action, target, reason, key))
        {
            return null;
        }

        var approval = Host.DescribeApproval();
        if (!stakes.IsRisky)
        {
            return approval;
        }

        return Force ? approval + ApprovalMode.WithForce : ConfirmRisk(stakes, action, target, reason, key) ? approval + ApprovalMode.WithRetype : null;
    }

    /// <summary>
    /// A person's second confirmation of a risk change: the market's name retyped, not one more Yes. Anything
    /// else (an empty line, the end of input) declines; a session that cannot ask stops with ApprovalRequired.
    /// </summary>
    private bool ConfirmRisk(Stakes stakes, string action, string target, string reason, string? key)
    {
        string? typed;
        try
        {
            typed = Host.ReadLine($"{stakes.RiskSummary}\nThis is a risk change. Type {stakes.ConfirmName} to confirm it (anything else cancels): ");
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, $"{action} {target}", [(action, target)], reason, key, $"{action} {target} is a risk change and this session cannot ask a person to confirm it ({noPrompt.Message}). Nothing was changed. A script confirms it with -Force.");
            return false; // not reached: the refusal ends the script
        }

        if (string.Equals(typed?.Trim(), stakes.ConfirmName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        Record(new AuditRecord { Action = action, Market = target, Key = key, Reason = reason, Approval = ApprovalMode.None, Outcome = AuditOutcome.Declined, Detail = $"risk change not confirmed: {stakes.ConfirmName} was not retyped" });
        Host.WriteWarning($"Not confirmed: {action} {target} ({stakes.RiskSummary}) needs {stakes.ConfirmName} typed exactly. Nothing was changed.");
        return false;
    }

    /// <summary>
    /// ShouldProcess: the Plan first, the question last on its own line; a decline is journalled. A
    /// session that cannot ask stops the command with ApprovalRequired.
    /// </summary>
    private bool Ask(string plan, string question, string action, string? target, string? reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        bool approved;
        try
        {
            approved = Host.ShouldProcess(plan, $"{plan}\n\n{question}", ConfirmCaption);
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, $"{action} {target}", [(action, target)], reason, key);
            return false;
        }

        if (!approved)
        {
            Record(new AuditRecord { Action = action, Market = target, Key = key, Reason = reason, Approval = ApprovalMode.None, Outcome = AuditOutcome.Declined, Detail = "not approved at the prompt" });
            Host.WriteVerbose($"Not approved: {action} {target}. Nothing ran.");
        }

        return approved;
    }

    public static bool IsUnaskable(Exception noPrompt) => noPrompt is PSInvalidOperationException or System.Management.Automation.Host.HostException;

    /// <summary>
    /// No person can answer: every action asked about is journalled as refused, and the command stops
    /// the script that ran it (pwsh -File exits 1): a script must not go on as if it had been approved.
    /// </summary>
    [DoesNotReturn]
    public void RefuseUnaskable(Exception noPrompt, string what, List<(string Action, string? Target)> asked, string? reason, string? key = null, string? message = null)
    {
        var refusal = new OperatorException(ErrorIds.ApprovalRequired, ErrorCategory.PermissionDenied, message ?? $"{what} needs approval and this session cannot ask a person for it ({noPrompt.Message}). Nothing ran. Run it at a terminal, or approve explicitly with -Confirm:$false in a script.", asked.Count == 1 ? asked[0].Target : what, noPrompt);
        foreach (var (action, target) in asked)
        {
            RecordRefusal(refusal, action, target, reason, key);
        }

        RecordRefusals();
        Host.ThrowScriptTerminatingError(refusal.ToErrorRecord());
    }

    /// <summary>
    /// Uses a ticket that binds exactly this action, once; without one, files an approval request for
    /// a human and runs nothing.
    /// </summary>
    private string? ApproveWithTicket(BoundAction subject, Stakes stakes)
    {
        var (action, target, reason, key) = (subject.Action, subject.Target, subject.Reason, subject.Key);
        var binding = subject.Binding();
        if (_tickets.Count > 0)
        {
            OperatorException? last = null;
            foreach (var id in _tickets.Where(i => !_usedTickets.Contains(i)))
            {
                try
                {
                    Host.Approvals.Consume(id, binding);
                    _usedTickets.Add(id);
                    return $"Ticket {id}";
                }
                catch (OperatorException rejected)
                {
                    last = rejected;
                }
            }

            Refuse(last ?? new OperatorException(ErrorIds.ApprovalRejected, ErrorCategory.PermissionDenied, $"{action} {target}: every given approval was already used by this command. Nothing ran.", target), action, target, reason, key);
            return null;
        }

        ApprovalRequest request;
        try
        {
            request = Host.Approvals.File(new ApprovalRequest
            {
                Cmdlet = subject.Cmdlet,
                Action = action,
                Target = target,
                Key = key,
                Values = subject.Values,
                Commands = subject.Commands,
                Reason = reason,
                Plan = subject.Plan,
                Flags = stakes.Flags.ToList() is { Count: > 0 } flags ? flags : null,
                Binding = binding,
                Requester = $"{ApprovalRequest.CurrentOwner} pid {Environment.ProcessId} ({Host.LanguageMode}{(Host.Caller.Via is { } via ? ", via " + via : string.Empty)})",
            }, TimeSpan.FromSeconds(Options.ApprovalLifetimeSec));
        }
        catch (OperatorException limit)
        {
            Refuse(limit, action, target, reason, key);
            return null;
        }

        var pending = new OperatorException(
            ErrorIds.ApprovalPending,
            ErrorCategory.PermissionDenied,
            $"{action} {target} needs a human's approval in this restricted session{(stakes.IsRisky ? $" (flagged: {stakes.RiskSummary}; the human's approval is its second confirmation)" : string.Empty)}; nothing ran. Approval request {request.Id} is filed (expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC). Hand the id to a human, who runs in a normal session: Approve-MmApprovalRequest {request.Id}. Then re-run exactly the same command with -ApprovalId {request.Id}.",
            request.Id);
        Record(new AuditRecord { Action = action, Market = target, Key = key, Reason = reason, Approval = ApprovalMode.None, Outcome = AuditOutcome.PendingApproval, ErrorId = ErrorIds.ApprovalPending, Detail = $"approval request {request.Id} filed: {subject.Plan}" });
        Host.WriteError(pending.ToErrorRecord());
        return null;
    }

    /// <summary>
    /// Appends to the journal with the caller's identity; after a change was made, a failed write is an
    /// error, not a rollback. Host text in the record is masked where it is read; the reason and detail
    /// also carry what the caller typed, so here they get only the net that depends on no secret.
    /// The journal is read by people: its market, key, reason and values are escaped here, once
    /// (<see cref="VisibleText"/>), and its composed texts keep only their own line breaks.
    /// The record of how a change ended is kept whatever the host answered: an answer too long for a
    /// record is kept as its size and SHA-256 (the caller was shown it in full).
    /// </summary>
    public AuditRecord? Record(AuditRecord record, bool throwIfUnavailable = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        Stamp(record);
        try
        {
            return AppendCondensing(record);
        }
        catch (OperatorException unavailable) when (!throwIfUnavailable)
        {
            Host.WriteError(new ErrorRecord(new InvalidOperationException($"{record.Action} {record.Market} {record.Key} ({record.Outcome}) could not be recorded: {unavailable.Message}", unavailable), unavailable.ErrorId, ErrorCategory.WriteError, Host.Journal.Path));
            return null;
        }
    }

    /// <summary>Appends; a record of how a change ended that is too long keeps the host's answer, then the detail, as a digest.</summary>
    private AuditRecord AppendCondensing(AuditRecord record)
    {
        try
        {
            return Host.Journal.Append(record);
        }
        catch (OperatorException tooLong) when (tooLong.ErrorId == ErrorIds.AuditRecordTooLarge && record.Attempt is not null && (record.Result is JsonElement || record.Detail?.Length > 200))
        {
            if (record.Result is JsonElement answer)
            {
                record.Result = Digest(answer.GetRawText());
            }
            else
            {
                record.Detail = Digest(record.Detail!);
            }

            return AppendCondensing(record);
        }
    }

    private static string Digest(string text) =>
        $"{System.Text.Encoding.UTF8.GetByteCount(text)} bytes of host output, sha256 {JournalKey.Sha256(text)}: longer than a journal record holds; the command's output showed it";

    /// <summary>Who and where: the caller's identity on a record, and the net for typed text.</summary>
    private void Stamp(AuditRecord record)
    {
        record.Batch = BatchId;
        record.User = Environment.UserName;
        record.HostName = Environment.MachineName;
        record.ProcessId = Environment.ProcessId;
        record.LanguageMode = Host.LanguageMode.ToString();
        record.Cmdlet = Host.CmdletName;
        record.Market = VisibleText.Quote(record.Market, AuditRecord.QuotedLength);
        record.Key = VisibleText.Quote(record.Key, AuditRecord.QuotedLength);
        record.PreviousValue = VisibleText.Of(record.PreviousValue);
        record.NewValue = VisibleText.Of(record.NewValue);
        record.NewStatus = VisibleText.Composed(record.NewStatus);
        record.Reason = SecretMasker.HideAssignments(VisibleText.Quote(record.Reason, AuditRecord.QuotedLength), Host.Masker.Keys);
        record.Detail = SecretMasker.HideAssignments(VisibleText.Composed(record.Detail), Host.Masker.Keys);
    }

    /// <summary>
    /// Writes the record of intent of an approved change, flushed to disk before any of it runs, and
    /// returns its id: the records of how it ends name it as their Attempt. Null, after the refusal
    /// (nothing may run), when the journal cannot take it: unwritable, a torn tail, or a record over the limit.
    /// </summary>
    public string? BeginAttempt(AuditRecord intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        RecordRefusals();
        intent.Outcome = AuditOutcome.Intended;
        try
        {
            return Record(intent, throwIfUnavailable: true)!.Id;
        }
        catch (OperatorException unwritable)
        {
            Host.WriteError(unwritable.ToErrorRecord());
            return null;
        }
    }

    /// <summary>
    /// Refusals are journalled together: the first attempt's record, with how many of each error followed
    /// (not under -WhatIf). They are written by <see cref="RecordRefusals"/>.
    /// </summary>
    private void RecordRefusal(OperatorException refusal, string action, string? target, string? reason, string? key)
    {
        if (IsWhatIf)
        {
            return;
        }

        if (_refusals is { } waiting)
        {
            waiting.Tally.Add(refusal, target);
            return;
        }

        _refusals = (new AuditRecord
        {
            Action = action,
            Market = target,
            Key = key,
            Reason = reason,
            Approval = ApprovalMode.None,
            Outcome = AuditOutcome.Refused,
            ErrorId = refusal.ErrorId,
            Detail = refusal.Message,
        }, new RefusalTally(refusal, target));
    }

    /// <summary>
    /// Journals the refusals not journalled yet as one record, however many (a pipeline of 100,000
    /// refused rows adds one line): before anything runs, before a terminating refusal, and when the
    /// command ends. A journal that cannot take it is a warning.
    /// </summary>
    public void RecordRefusals()
    {
        if (_refusals is not { } waiting)
        {
            return;
        }

        var (record, tally) = waiting;
        _refusals = null;
        if (tally.Count > 1)
        {
            record.Detail = tally.Describe("attempts of this command were");
        }

        try
        {
            Record(record, throwIfUnavailable: true);
        }
        catch (OperatorException unavailable)
        {
            Host.WriteWarning($"The refusal could not be recorded: {unavailable.Message}");
        }
    }

    /// <summary>
    /// Validates and plans one market action per market; <see cref="RunApproved"/> asks about them all
    /// before anything runs.
    /// </summary>
    public void Approve(MarketAction action, IEnumerable<Market> markets, string reason)
    {
        ArgumentNullException.ThrowIfNull(markets);
        foreach (var market in markets)
        {
            if (ValidReason(reason, action.Name(), market.Input) is { } valid && Resolve(market, action.Name(), valid) is { } entry)
            {
                Approve(action, entry, valid);
            }
        }
    }

    /// <summary>Plans one action on a market that exists; a market named twice is asked about and run once.</summary>
    public void Approve(MarketAction action, MarketEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_planned.Any(a => a.Action == action && a.Market.Slug == entry.Slug))
        {
            Host.WriteWarning($"{entry.DisplayName} is named more than once: it is asked about and {action.PastTense()} once.");
            return;
        }

        if (entry.Problem is { } problem && action != MarketAction.Stop)
        {
            // Stopping stays possible: a bot started from such a file may be trading the wrong market.
            Refuse(new OperatorException(ErrorIds.MarketFileMisread, ErrorCategory.InvalidData, $"{entry.EnvFileName} is not {action.PastTense()}: {problem}. Nothing was run; Stop-MmMarket {entry.Slug} still works.", entry.EnvFilePath), action.Name(), entry.DisplayName, reason);
            return;
        }

        if (action != MarketAction.Stop && OrphanRefusal(action, entry) is { } refusal)
        {
            Refuse(refusal, action.Name(), entry.DisplayName, reason);
            return;
        }

        _planned.Add(new PlannedAction(action, entry, MarketActions.Command(action, Options, entry), reason));
    }

    /// <summary>A market action validated and planned, not yet asked about.</summary>
    private sealed record PlannedAction(MarketAction Action, MarketEntry Market, HostCommand Command, string Reason)
    {
        public ApprovedAction Approved(string approval) => new(Action, Market, Command, Reason, approval);
    }

    /// <summary>
    /// Asks about every planned action: several markets with the same reason are one question listing
    /// each command line, answered for all, none, or market by market. A restricted session files one
    /// request per market instead (a ticket binds one action), and one market is asked as before.
    /// </summary>
    private void AskPlanned()
    {
        var planned = _planned.ToList();
        _planned.Clear();
        if (Fleet is not null)
        {
            // A fleet's approval is of the whole plan, as the person saw it.
            if (Fleet.Approve(this, planned.Select(p => new FleetPlanItem(p.Action, p.Market, p.Command, p.Reason)).ToList()) is { } approved)
            {
                _approved.AddRange(planned.Select(p => p.Approved(approved)));
            }

            return;
        }

        var batches = IsRestricted ? planned.Select(p => new[] { p }) : planned.GroupBy(p => p.Reason, StringComparer.Ordinal).Select(g => g.ToArray());
        foreach (var batch in batches)
        {
            if (batch.Length > 1)
            {
                AskBatch(batch);
            }
            else if (Approve(batch[0].Action.Name(), batch[0].Market.DisplayName, batch[0].Reason, batch[0].Command.CommandLine, [batch[0].Command.CommandLine], stakes: Stakes.Of(batch[0].Market)) is { } approval)
            {
                _approved.Add(batch[0].Approved(approval));
            }
        }
    }

    /// <summary>
    /// One Plan and one question for several markets (market actions carry no values, and their reason
    /// was validated, so nothing in it needs masking); -WhatIf prints that Plan. Each market's approval or
    /// decline is journalled on its own.
    /// </summary>
    private void AskBatch(IReadOnlyList<PlannedAction> batch)
    {
        var reason = batch[0].Reason;
        var mainnet = new Stakes(batch.Where(p => p.Market.IsMainnet).Select(p => p.Market.DisplayName).ToList(), [], string.Empty);
        var plan = RunbookText.Plan(batch.Select(p => p.Command.CommandLine).ToList(), reason, needsApproval: true, mainnet.Flags);
        if (IsWhatIf)
        {
            Host.WriteHostText(plan);
            return;
        }

        var actions = batch.Select(p => p.Action).Distinct().ToList();
        var what = actions.Count == 1 ? $"{actions[0].Name()} {batch.Count} markets" : $"{batch.Count} market actions";
        var question = $"Approve: {what} ({string.Join(", ", batch.Select(p => VisibleText.Of(p.Market.DisplayName)))})?";
        var approval = Host.DescribeApproval();
        List<bool> answers;
        try
        {
            answers = approval == ApprovalMode.Prompted
                ? AskPerson(batch, $"{plan}\n\n{question}")
                : Enumerable.Repeat(Host.ShouldProcess(plan, $"{plan}\n\n{question}", ConfirmCaption), batch.Count).ToList();
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, what, batch.Select(p => (p.Action.Name(), (string?)p.Market.DisplayName)).ToList(), reason);
            return;
        }

        var declined = answers.Count(a => !a);
        for (var i = 0; i < batch.Count; i++)
        {
            var (action, market) = (batch[i].Action.Name(), batch[i].Market.DisplayName);
            if (answers[i])
            {
                _approved.Add(batch[i].Approved(approval));
                continue;
            }

            var how = declined == batch.Count ? $"No to all {batch.Count}" : $"No to {i + 1} of {batch.Count}";
            Record(new AuditRecord { Action = action, Market = market, Reason = reason, Approval = ApprovalMode.None, Outcome = AuditOutcome.Declined, Detail = $"not approved at the prompt ({how})" });
            Host.WriteVerbose($"Not approved: {action} {market}. Nothing ran.");
        }
    }

    /// <summary>Yes to all, No (the default), or Per market: then one short question per market, "1 of 4: mmctl stop eth --json?".</summary>
    private List<bool> AskPerson(IReadOnlyList<PlannedAction> batch, string query)
    {
        var choice = Host.Choose(ConfirmCaption, query, PromptChoice.Batch, PromptChoice.No);
        if (choice != PromptChoice.PerMarket)
        {
            return Enumerable.Repeat(choice == 0, batch.Count).ToList();
        }

        return batch.Select((p, i) => Host.Choose(ConfirmCaption, $"{i + 1} of {batch.Count}: {p.Command.CommandLine}?", PromptChoice.YesNo, PromptChoice.No) == 0).ToList();
    }

    /// <summary>
    /// Why a start or restart must not run: a bot of the market lives that mmctl does not track (it would
    /// run a second bot beside it), or one lives and mmctl cannot say whether it tracks it. mmctl is
    /// asked only when the process table shows a live bot of the market; null when none is in the way.
    /// </summary>
    private OperatorException? OrphanRefusal(MarketAction action, MarketEntry entry)
    {
        if (!Host.Truth.HasLiveBot(entry))
        {
            return null;
        }

        var name = $"{action.Name()} {entry.DisplayName}";
        try
        {
            if (Host.Truth.Read(Host.RunHost(StatusCommand(entry))).FirstOrDefault(s => s.State == MarketState.Orphaned) is not { Pid: { } pid } orphaned)
            {
                return null;
            }

            return new OperatorException(ErrorIds.OrphanedBotRunning, ErrorCategory.ResourceExists, $"{name} is refused: {orphaned.Note}. mmctl does not know that bot, so a {action.Name()} would run a second bot beside it on the same market. Nothing ran. Have a human end pid {pid} on the host: {ProcessTruth.EndCommands(pid)}. The market shows Orphaned until the bot is gone; then {action.Name()} it again.", orphaned);
        }
        catch (HostCommandException failure)
        {
            return new OperatorException(ErrorIds.StatusRefreshFailed, ErrorCategory.ResourceUnavailable, $"{name} is refused: a bot of the market runs, and mmctl status gave no usable answer to say whether mmctl tracks it ({failure.Message}), so a {action.Name()} could run a second bot. Nothing ran. Check Get-MmStatus {entry.Slug}.", entry.DisplayName, failure);
        }
    }

    /// <summary>
    /// Asks about what was planned, then runs what was approved, at most <paramref name="throttleLimit"/> markets at once, and reports
    /// each market as it finishes (journal, result, error).
    /// </summary>
    public void RunApproved(int throttleLimit = ParallelMarketRuns.DefaultThrottleLimit)
    {
        AskPlanned();
        RecordRefusals();
        var runs = _approved.Select(Intend).OfType<MarketRun>().ToList();
        _approved.Clear();
        if (runs.Count > 0)
        {
            ParallelMarketRuns.Run(Host, runs, throttleLimit, JournalRun, Report);
        }
    }

    /// <summary>
    /// The run of an approved action once its intent is on disk; null, after the refusal, when the
    /// journal cannot take it. The one exception is a person's stop, for safety: it runs, its records go
    /// to the system log, and a warning names the journal's problem.
    /// </summary>
    private MarketRun? Intend(ApprovedAction approved)
    {
        var intent = new AuditRecord { Action = approved.Action.Name(), Market = approved.Market.DisplayName, Reason = approved.Reason, Approval = approved.Approval, Argv = approved.Command.Argv, Outcome = AuditOutcome.Intended };
        var run = new MarketRun(Host, approved);
        try
        {
            run.Attempt = Record(intent, throwIfUnavailable: true)!.Id;
        }
        catch (OperatorException unwritable) when (approved.Action == MarketAction.Stop && IsPerson)
        {
            (run.Attempt, run.OutsideJournal) = (LogToSystem(intent, unwritable, "runs anyway, because a person asked for a stop"), true);
        }
        catch (OperatorException unwritable)
        {
            Host.WriteError(unwritable.ToErrorRecord());
            return null;
        }

        return run;
    }

    /// <summary>
    /// The system log takes the record the journal could not: one line of the record's JSON through
    /// logger (a host command like any other). A loud warning names the journal's problem, and says when
    /// the system log failed too. Returns the record's id.
    /// </summary>
    private string LogToSystem(AuditRecord record, OperatorException journalProblem, string what)
    {
        // Stamped (and its typed text escaped, once) by the Record that the journal refused.
        record.Id = AuditJournal.NewId(record.Time = DateTime.UtcNow);
        var run = Host.RunHost(HostCommand.SystemLog(Options, record));
        var where = run is { Status: HostRunStatus.Completed, ExitCode: 0 }
            ? $"its record {record.Id} went to the system log (logger, tag mmoperator, socket {Options.SystemLogSocketPath})"
            : $"its record could not be written to the system log either ({run.StartError ?? run.StdErr.Trim()}): this warning is its only record";
        Host.WriteWarning($"THE AUDIT JOURNAL TAKES NO RECORDS: {JournalProblem(journalProblem)}. {record.Action} {record.Market} ({record.Outcome}) {what}; {where}. Repair the journal now (Test-MmAuditLog).");
        return record.Id;
    }

    private void JournalRun(MarketRun run)
    {
        var (action, entry, command, reason, approval) = run.Approved;
        var meaning = run.Meaning;
        var outcome = new AuditRecord
        {
            Attempt = run.Attempt,
            Action = action.Name(),
            Market = entry.DisplayName,
            Reason = reason,
            Approval = approval,
            Argv = command.Argv,
            ExitCode = run.Run?.ExitCode,
            Outcome = meaning.Outcome.ToAudit(),
            ErrorId = meaning.ErrorId,
            Detail = meaning.Detail,
            Result = meaning.Output,
            NewStatus = run.Status is null ? null : RunbookText.StatusFacts(run.Status),
        };
        try
        {
            // Only a run outside the journal throws here: its end goes to the system log, as its intent did.
            run.AuditId = Record(outcome, throwIfUnavailable: run.OutsideJournal)?.Id;
        }
        catch (OperatorException unwritable)
        {
            run.AuditId = LogToSystem(outcome, unwritable, "has ended");
        }
    }

    private void Report(MarketRun run)
    {
        var (action, entry, command, reason, approval) = run.Approved;
        var meaning = run.Meaning;
        if (run.StatusFailure is { } unreadable)
        {
            Host.WriteError(new ErrorRecord(unreadable, ErrorIds.StatusRefreshFailed, unreadable.Category, unreadable.Target));
        }

        var result = new ActionResult
        {
            Action = action.Name(),
            Market = entry.DisplayName,
            Command = command.CommandLine,
            ExitCode = run.Run?.ExitCode,
            Outcome = meaning.Outcome,
            Detail = meaning.Detail,
            Output = PsJson.ToPowerShell(meaning.Output),
            NewStatus = run.Status,
            Reason = reason,
            Approval = approval,
            AuditId = run.AuditId,
            DurationSec = Math.Round(run.Run?.Duration.TotalSeconds ?? 0, 3),
        };
        Host.WriteObject(result, ActionResult.TypeName);
        if (meaning.Outcome == ActionOutcome.Failed)
        {
            var category = meaning.ErrorId == ErrorIds.HostCommandTimedOut ? ErrorCategory.OperationTimeout : ErrorCategory.InvalidResult;
            Host.WriteError(new ErrorRecord(new InvalidOperationException($"{action.Name()} {entry.DisplayName} failed: {meaning.Detail}", run.Fault), meaning.ErrorId ?? ErrorIds.MarketActionFailed, category, result));
        }
    }

    /// <summary>
    /// Status of every instance, or of each market: no approval, and its reason only appears in a
    /// -WhatIf plan. A market that does not resolve is an error; nothing was attempted, so nothing is journalled.
    /// </summary>
    public void ReportStatuses(IReadOnlyList<Market>? markets, string reason)
    {
        if (ValidReason(reason, "status", null) is not { } valid)
        {
            return;
        }

        if (markets is not { Count: > 0 })
        {
            ReportStatus(null, valid);
            return;
        }

        foreach (var market in markets)
        {
            if (TryResolve(Host.Catalog, market, refusal => Host.WriteError(refusal.ToErrorRecord())) is { } entry)
            {
                ReportStatus(entry, valid);
            }
        }
    }

    /// <summary>
    /// A playbook step by step over all markets, so a recovery shows every status before any start
    /// is asked; each step's approvals are all asked before its actions run side by side. Every step
    /// reports <see cref="ActionResult"/> objects, status steps too, so a run gives one kind of object.
    /// </summary>
    public void RunPlaybook(Playbook playbook, IReadOnlyList<Market> markets, string reason, int throttleLimit = ParallelMarketRuns.DefaultThrottleLimit)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        ArgumentNullException.ThrowIfNull(markets);
        var first = playbook.Steps[0].Action;
        if (ValidReason(reason, first, null) is not { } valid)
        {
            return;
        }

        var entries = markets.Select(m => Resolve(m, first, valid)).OfType<MarketEntry>().DistinctBy(m => m.Slug).ToList();
        foreach (var step in playbook.Steps)
        {
            Host.WriteVerbose($"Playbook {playbook.Name}: {step.Description}");
            if (step.Action == "status")
            {
                if (markets.Count == 0)
                {
                    ReportStatusStep(null, valid);
                }

                entries.ForEach(m => ReportStatusStep(m, valid));
                continue;
            }

            var action = Enum.Parse<MarketAction>(step.Action, ignoreCase: true);
            entries.ForEach(m => Approve(action, m, valid));
            RunApproved(throttleLimit);
        }
    }

    /// <summary>A playbook's status step as action results: one per instance mmctl reports, or one saying it reports none.</summary>
    private void ReportStatusStep(MarketEntry? market, string reason)
    {
        var command = StatusCommand(market);
        if (IsWhatIf)
        {
            WritePlan(command.CommandLine, reason, needsApproval: false, Stakes.Of(market));
            return;
        }

        var run = Host.RunHost(command);
        IReadOnlyList<MarketStatus> statuses;
        try
        {
            statuses = Host.Truth.Read(run);
        }
        catch (HostCommandException failure)
        {
            var failed = StatusResult(run, market?.DisplayName ?? "all", ActionOutcome.Failed, failure.Message, null, reason);
            Host.WriteObject(failed, ActionResult.TypeName);
            Host.WriteError(new ErrorRecord(failure, failure.ErrorId, failure.Category, failed));
            return;
        }

        if (statuses.Count == 0)
        {
            Host.WriteObject(StatusResult(run, "all", ActionOutcome.Succeeded, "mmctl lists no instance: no bot is running or has a pid file", null, reason), ActionResult.TypeName);
        }

        foreach (var status in statuses)
        {
            Host.WriteObject(StatusResult(run, status.Market, ActionOutcome.Succeeded, RunbookText.StateFacts(status), status, reason), ActionResult.TypeName);
        }
    }

    private static ActionResult StatusResult(HostRunResult run, string market, ActionOutcome outcome, string detail, MarketStatus? status, string reason) => new()
    {
        Action = "status",
        Market = market,
        Command = run.Command.CommandLine,
        ExitCode = run.ExitCode,
        Outcome = outcome,
        Detail = detail,
        NewStatus = status,
        Reason = reason,
        Approval = ApprovalMode.NotRequired,
        DurationSec = Math.Round(run.Duration.TotalSeconds, 3),
    };

    /// <summary>mmctl status of one market, or of every instance; null (after an error) when it gave no usable answer.</summary>
    public IReadOnlyList<MarketStatus>? RefreshStatus(MarketEntry? market)
    {
        try
        {
            return Host.Truth.Read(Host.RunHost(StatusCommand(market)));
        }
        catch (HostCommandException failure)
        {
            Host.WriteError(new ErrorRecord(failure, ErrorIds.StatusRefreshFailed, failure.Category, failure.Target));
            return null;
        }
    }

    /// <summary>A read-only status step: no approval, and under -WhatIf only its Plan.</summary>
    public void ReportStatus(MarketEntry? market, string reason)
    {
        var command = StatusCommand(market);
        if (IsWhatIf)
        {
            WritePlan(command.CommandLine, reason, needsApproval: false, Stakes.Of(market));
            return;
        }

        try
        {
            foreach (var status in Host.Truth.Read(Host.RunHost(command)))
            {
                Host.WriteObject(status, MarketStatus.TypeName);
            }
        }
        catch (HostCommandException failure)
        {
            Host.WriteError(failure.ToErrorRecord());
        }
    }

    private HostCommand StatusCommand(MarketEntry? market) =>
        market is null ? HostCommand.MmctlStatus(Options) : HostCommand.MmctlStatus(Options, market);
}
