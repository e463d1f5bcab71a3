using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Lifecycle;
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
/// cannot prove, journal how it ended, and report. Each target is one <see cref="Attempt"/>, which ends
/// (and is journalled) once; refusals and declines are journalled too, a command's refusals as one
/// record; -WhatIf prints the Plan and records nothing. One instance per command run.
/// </summary>
public sealed class RunbookFlow
{
    private readonly Dictionary<string, string> _validReasons = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedTickets = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _tickets;
    private readonly List<ApprovedAction> _planned = [];
    private readonly List<ApprovedAction> _approved = [];
    private (AuditRecord First, RefusalTally Tally)? _refusals;

    /// <summary>The prompt's title: the Plan comes first and the question last, so the title asks nothing.</summary>
    public const string ConfirmCaption = "Confirm";

    /// <param name="tickets">Approval tickets given to the command (-ApprovalId): used in a restricted session only.</param>
    public RunbookFlow(IFlowContext host, IReadOnlyList<string>? tickets = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Context = host;
        _tickets = tickets ?? [];
    }

    public IFlowContext Context { get; }

    /// <summary>The id every record of this command run carries (<see cref="AuditRecord.Batch"/>).</summary>
    public string BatchId { get; } = AuditJournal.NewId(DateTime.UtcNow);

    /// <summary>-Force: a script's second, explicit confirmation of a risk change (<see cref="Stakes"/>).</summary>
    public bool Force { get; init; }

    /// <summary>On a host of a fleet command: its approval comes from the person's session (<see cref="FleetApprovalSource"/>).</summary>
    public FleetApprovalSource? Fleet { get; init; }

    public OperatorOptions Options => Context.Options;

    /// <summary>-WhatIf, or a fleet's plan only: nothing runs, nothing is journalled.</summary>
    public bool IsWhatIf => Context.IsWhatIf || Fleet?.PlanOnly == true;

    /// <summary>The status query of this command's host runs (shown with -Verbose).</summary>
    public StatusQuery Status => new(Options, Context.Truth, Context.RunHost);

    /// <summary>A restricted session can pass -Confirm:$false itself, so there approval is a human's ticket, not a prompt.</summary>
    public bool IsRestricted => Context.LanguageMode != PSLanguageMode.FullLanguage;

    /// <summary>A person's session: full language, and not one the agent's launcher started (as the import read it).</summary>
    public bool IsPerson => !IsRestricted && !Context.Caller.IsAgent;

    /// <summary>A refusal whose message quotes free text from the host's files (a reader's own error, never what the caller typed), masked as the host's output is.</summary>
    public OperatorException MaskHostText(OperatorException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new OperatorException(refusal.ErrorId, refusal.Category, Context.Masker.Apply(refusal.Message), refusal.Target, refusal.InnerException);
    }

    /// <summary>Stops the command for a broken precondition (configuration, missing host pieces).</summary>
    public void Require(Action<OperatorOptions> precondition) => Require(Context, precondition);

    public static void Require(IFlowContext host, Action<OperatorOptions> precondition)
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
            Context.Journal.EnsureWritable();
        }
        catch (OperatorException unusable) when (stopsOnly && IsPerson)
        {
            Context.WriteWarning($"THE AUDIT JOURNAL TAKES NO RECORDS: {JournalProblem(unusable)}. The stops you approve still run, recorded in the system log instead. Repair the journal next (Test-MmAuditLog).");
        }
        catch (OperatorException unusable)
        {
            Context.ThrowTerminatingError(unusable.ToErrorRecord());
        }
    }

    private static string JournalProblem(OperatorException unusable) => unusable.InnerException?.Message ?? unusable.Message;

    /// <summary>Fails closed: nothing runs unless its record can be written.</summary>
    public void RequireJournal() => Require(_ => Context.Journal.EnsureWritable());

    /// <summary>One attempt on one target: approved, run and ended through it (<see cref="Flow.Attempt"/>).</summary>
    public Attempt NewAttempt(string action, string? target, string? reason, string? key = null) => new(this, action, target, reason, key);

    /// <summary>
    /// The reason, checked (it reaches the plan, the result and the journal as typed: masking it where
    /// it equals a secret would answer guesses); null after the attempt on <paramref name="target"/> is refused.
    /// </summary>
    public string? ValidReason(string reason, string action, string? target, string? key = null) => ValidReason(NewAttempt(action, target, reason, key));

    /// <summary>The attempt's reason, checked and kept as its <see cref="Attempt.Reason"/>; null after the attempt is refused.</summary>
    public string? ValidReason(Attempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var reason = attempt.Reason ?? string.Empty;
        if (_validReasons.TryGetValue(reason, out var known))
        {
            return attempt.Reason = known;
        }

        try
        {
            return attempt.Reason = _validReasons[reason] = ReasonPolicy.Validate(reason, Context.Masker.Keys);
        }
        catch (OperatorException refusal)
        {
            attempt.Refuse(refusal);
            return null;
        }
    }

    /// <summary>The market's catalog entry, or null after the attempt on it is refused.</summary>
    public MarketEntry? Resolve(Market market, string action, string? reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(market);
        return TryResolve(Context.Catalog, market, refusal => NewAttempt(action, market.Input, reason, key).Refuse(refusal));
    }

    /// <summary>The market's catalog entry, or null after handing the refusal to <paramref name="refuse"/>; a <paramref name="lookup"/> (a read) ignores letter case.</summary>
    public static MarketEntry? TryResolve(MarketCatalog catalog, Market market, Action<OperatorException> refuse, bool lookup = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(refuse);
        try
        {
            return lookup ? catalog.ResolveLookup(market) : catalog.Resolve(market);
        }
        catch (OperatorException refusal)
        {
            refuse(refusal);
            return null;
        }
    }

    /// <summary>The runbook's Plan block, written for the person at the host.</summary>
    public void WritePlan(string actionLine, string reason, bool needsApproval, Stakes? stakes = null) =>
        Context.WriteHostText(RunbookText.Plan(actionLine, reason, needsApproval, stakes?.Flags));

    /// <summary>
    /// Plans and approves one state change; the one place the action a ticket binds is made. True once
    /// the attempt is approved (<see cref="Attempt.Approval"/>); false when it ended instead (refused
    /// because a value could only be shown masked, declined, a request filed) or under -WhatIf, which
    /// prints exactly the Plan. A prompt that cannot be shown (-NonInteractive) stops the command: approval is required.
    /// </summary>
    /// <param name="attempt">Its reason already checked (<see cref="ValidReason(Attempt)"/>).</param>
    /// <param name="subject">What the Plan, the question and a ticket name (a market, "MM_X in .env.eth", "3 proposal(s)").</param>
    /// <param name="actionLine">The Plan's Action(s) line.</param>
    /// <param name="commands">The exact allow-listed command line(s) it runs; none for a direct file edit.</param>
    /// <param name="values">Every value the caller gave for it, exactly as it will be used.</param>
    /// <param name="stakes">Real money and risk changes, flagged in the Plan; a risk change also needs -Force, the name retyped, or a ticket.</param>
    public bool Approve(Attempt attempt, string subject, string actionLine, IReadOnlyList<string> commands, IReadOnlyList<string>? values = null, Stakes? stakes = null) =>
        Approve(attempt, subject, [actionLine], commands, values, stakes);

    /// <summary>Several actions asked as one question (a .env campaign), each on a numbered line of the Plan.</summary>
    public bool Approve(Attempt attempt, string subject, IReadOnlyList<string> actionLines, IReadOnlyList<string> commands, IReadOnlyList<string>? values = null, Stakes? stakes = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        stakes ??= Stakes.None;
        var (action, reason) = (attempt.Action, attempt.Reason ?? throw new ArgumentException("An attempt's reason is checked before it is approved.", nameof(attempt)));
        var bound = new BoundAction
        {
            Cmdlet = Context.CmdletName,
            Action = action,
            Target = subject,
            Key = attempt.Key,
            Values = values ?? [],
            Commands = commands,
            Reason = reason,
            Plan = RunbookText.Plan(actionLines, reason, needsApproval: true, stakes.Flags),
        };
        if (bound.Unshowable(Context.Masker.Keys) is { } unshowable)
        {
            attempt.Refuse(unshowable);
            return false;
        }

        // The Plan goes into the journal (the request's record, the intent): refused, not cut, when no record can hold it.
        if (!AuditJournal.Fits(bound.Plan))
        {
            attempt.Refuse(new OperatorException(ErrorIds.AuditRecordTooLarge, ErrorCategory.LimitsExceeded, $"The plan of {action} {subject} is {System.Text.Encoding.UTF8.GetByteCount(bound.Plan) / 1024} KB, more than one audit journal record holds ({AuditJournal.MaxRecordBytes / 1024} KB with its other fields). Nothing was asked or run: longer text is refused, not cut. Give less at once (fewer rows, shorter values).", subject));
            return false;
        }

        if (IsWhatIf)
        {
            Context.WriteHostText(bound.Plan);
            return false;
        }

        if (IsRestricted)
        {
            // The human who approves the flagged request gives the second confirmation: the re-run needs no -Force.
            return ApproveWithTicket(attempt, bound, stakes);
        }

        if (stakes.IsRisky && !Force && Context.DescribeApproval() != ApprovalMode.Prompted)
        {
            attempt.Refuse(new OperatorException(ErrorIds.RiskChangeNeedsForce, ErrorCategory.PermissionDenied, $"{action} {subject} is a risk change ({stakes.RiskSummary}), which -Confirm:$false alone does not approve. Nothing was changed. If it is intended, run it again with -Force as well; otherwise change the value by less than {RiskPolicy.Factor}x at a time.", subject), newValue: values is [var refused] ? refused : null);
            return false;
        }

        if (!Ask(attempt, bound.Plan, $"Approve: {VisibleText.Of(action)} {VisibleText.Of(subject)}?", $"{action} {subject}"))
        {
            return false;
        }

        var approval = Approval.Given(Context.DescribeApproval(), Approver);
        if (stakes.IsRisky)
        {
            if (!Force && !ConfirmRisk(attempt, subject, stakes))
            {
                return false;
            }

            approval = approval.Confirmed(Force ? ApprovalMode.WithForce : ApprovalMode.WithRetype);
        }

        attempt.Approve(approval);
        return true;
    }

    /// <summary>Who approves at this session: the account and the person behind it, as a decision records them.</summary>
    internal string Approver => Context.Caller.Person(UserAccount.Current.Name);

    /// <summary>
    /// A person's second confirmation of a risk change: the market's name retyped, not one more Yes. Anything
    /// else (an empty line, the end of input) declines; a session that cannot ask stops with ApprovalRequired.
    /// </summary>
    private bool ConfirmRisk(Attempt attempt, string subject, Stakes stakes)
    {
        var what = $"{attempt.Action} {subject}";
        string? typed;
        try
        {
            typed = Context.ReadLine($"{stakes.RiskSummary}\nThis is a risk change. Type {stakes.ConfirmName} to confirm it (anything else cancels): ");
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, what, [attempt], $"{what} is a risk change and this session cannot ask a person to confirm it ({noPrompt.Message}). Nothing was changed. A script confirms it with -Force.");
            return false; // not reached: the refusal ends the script
        }

        if (string.Equals(typed?.Trim(), stakes.ConfirmName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        attempt.Decline($"risk change not confirmed: {stakes.ConfirmName} was not retyped", $"Not confirmed: {what} ({stakes.RiskSummary}) needs {stakes.ConfirmName} typed exactly. Nothing was changed.", warn: true);
        return false;
    }

    /// <summary>
    /// ShouldProcess: the Plan first, the question last on its own line; a decline ends the attempt. A
    /// session that cannot ask stops the command with ApprovalRequired.
    /// </summary>
    /// <param name="what">The attempt as its refusal and decline name it ("stop ETH-USD").</param>
    public bool Ask(Attempt attempt, string plan, string question, string what)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(plan);
        bool approved;
        try
        {
            approved = Context.ShouldProcess(plan, $"{plan}\n\n{question}", ConfirmCaption);
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, what, [attempt]);
            return false;
        }

        if (!approved)
        {
            attempt.Decline("not approved at the prompt", $"Not approved: {what}. Nothing ran.");
        }

        return approved;
    }

    public static bool IsUnaskable(Exception noPrompt) => noPrompt is PSInvalidOperationException or System.Management.Automation.Host.HostException;

    /// <summary>
    /// No person can answer: every attempt asked about is refused (journalled), and the command stops
    /// the script that ran it (pwsh -File exits 1): a script must not go on as if it had been approved.
    /// </summary>
    [DoesNotReturn]
    public static void RefuseUnaskable(Exception noPrompt, string what, List<Attempt> asked, string? message = null)
    {
        var refusal = new OperatorException(ErrorIds.ApprovalRequired, ErrorCategory.PermissionDenied, message ?? $"{what} needs approval and this session cannot ask a person for it ({noPrompt.Message}). Nothing ran. Run it at a terminal, or approve explicitly with -Confirm:$false in a script.", asked.Count == 1 ? asked[0].Target : what, noPrompt);
        foreach (var attempt in asked.SkipLast(1))
        {
            // One error for all: the last attempt's refusal ends the script.
            attempt.Refuse(refusal, reported: []);
        }

        asked[^1].Refuse(refusal, Halt.Script);
        throw new UnreachableException();
    }

    /// <summary>
    /// Uses a ticket that binds exactly this action, once; without one, files an approval request for
    /// a human and runs nothing.
    /// </summary>
    private bool ApproveWithTicket(Attempt attempt, BoundAction bound, Stakes stakes)
    {
        var what = $"{bound.Action} {bound.Target}";
        if (_tickets.Count > 0)
        {
            var binding = bound.Binding();
            OperatorException? last = null;
            foreach (var id in _tickets.Where(i => !_usedTickets.Contains(i)))
            {
                try
                {
                    var ticket = Context.Approvals.Consume(id, binding);
                    _usedTickets.Add(id);
                    attempt.Approve(Approval.OfTicket(ticket));
                    return true;
                }
                catch (OperatorException rejected)
                {
                    last = rejected;
                }
            }

            attempt.Refuse(last ?? new OperatorException(ErrorIds.ApprovalRejected, ErrorCategory.PermissionDenied, $"{what}: every given approval was already used by this command. Nothing ran.", bound.Target));
            return false;
        }

        ApprovalRequest request;
        try
        {
            var requester = $"{ApprovalRequest.CurrentOwner} pid {Environment.ProcessId} ({Context.LanguageMode}{(Context.Caller.Via is { } via ? ", via " + via : string.Empty)})";
            request = Context.Approvals.File(ApprovalRequest.For(bound, requester, stakes.Flags.ToList()), TimeSpan.FromSeconds(Options.ApprovalLifetimeSec));
        }
        catch (OperatorException limit)
        {
            attempt.Refuse(limit);
            return false;
        }

        var pending = new OperatorException(
            ErrorIds.ApprovalPending,
            ErrorCategory.PermissionDenied,
            $"{what} needs a human's approval in this restricted session{(stakes.IsRisky ? $" (flagged: {stakes.RiskSummary}; the human's approval is its second confirmation)" : string.Empty)}; nothing ran. Approval request {request.Id} is filed (expires {request.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC). Hand the id to a human, who runs in a normal session: Approve-MmApprovalRequest {request.Id}. Then re-run exactly the same command with -ApprovalId {request.Id}.",
            request.Id);
        attempt.Pending(pending, $"approval request {request.Id} filed: {bound.Plan}");
        return false;
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
    internal AuditRecord? Record(AuditRecord record, bool throwIfUnavailable = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        Stamp(record);
        try
        {
            return AppendCondensing(record);
        }
        catch (OperatorException unavailable) when (!throwIfUnavailable)
        {
            Context.WriteError(new ErrorRecord(new InvalidOperationException($"{record.Action} {record.Market} {record.Key} ({record.Outcome}) could not be recorded: {unavailable.Message}", unavailable), unavailable.ErrorId, ErrorCategory.WriteError, Context.Journal.Path));
            return null;
        }
    }

    /// <summary>Appends; a record of how a change ended that is too long keeps the host's answer, then the detail, as a digest.</summary>
    private AuditRecord AppendCondensing(AuditRecord record)
    {
        try
        {
            return Context.Journal.Append(record);
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
        record.User = Environment.UserName;
        record.HostName = Environment.MachineName;
        record.ProcessId = Environment.ProcessId;
        record.LanguageMode = Context.LanguageMode.ToString();
        record.Market = VisibleText.Quote(record.Market, AuditRecord.QuotedLength);
        record.Key = VisibleText.Quote(record.Key, AuditRecord.QuotedLength);
        record.ApprovedBy = VisibleText.Of(record.ApprovedBy);
        record.PreviousValue = VisibleText.Of(record.PreviousValue);
        record.NewValue = VisibleText.Of(record.NewValue);
        record.NewStatus = VisibleText.Composed(record.NewStatus);
        record.Reason = SecretMasker.HideAssignments(VisibleText.Quote(record.Reason, AuditRecord.QuotedLength), Context.Masker.Keys);
        record.Detail = SecretMasker.HideAssignments(VisibleText.Composed(record.Detail), Context.Masker.Keys);
    }

    /// <summary>
    /// Refusals are journalled together: the first attempt's record, with how many of each error followed
    /// (not under -WhatIf). They are written by <see cref="RecordRefusals"/>.
    /// </summary>
    internal void Tally(Attempt attempt, OperatorException refusal, string? newValue = null)
    {
        if (IsWhatIf)
        {
            return;
        }

        if (_refusals is { } waiting)
        {
            waiting.Tally.Add(refusal, attempt.Target);
            return;
        }

        var first = attempt.RecordOf(AuditOutcome.Refused, refusal, null);
        first.NewValue = Refused(newValue);
        _refusals = (first, new RefusalTally(refusal, attempt.Target));
    }

    /// <summary>A refused value as its record keeps it: secret-like assignments masked, and no longer than the record quotes a reason (a flood of text cannot make the refusal unrecordable).</summary>
    private string? Refused(string? value)
    {
        var shown = SecretMasker.HideAssignments(value, Context.Masker.Keys);
        return shown is { Length: > AuditRecord.QuotedLength }
            ? string.Create(CultureInfo.InvariantCulture, $"{shown[..AuditRecord.QuotedLength]}... ({shown.Length - AuditRecord.QuotedLength} more characters)")
            : shown;
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
            Context.WriteWarning($"The refusal could not be recorded: {unavailable.Message}");
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
            Context.WriteWarning($"{entry.DisplayName} is named more than once: it is asked about and {action.PastTense()} once.");
            return;
        }

        var attempt = NewAttempt(action.Name(), entry.DisplayName, reason);
        if (entry.Problem is { } problem && action != MarketAction.Stop)
        {
            // Stopping stays possible: a bot started from such a file may be trading the wrong market.
            attempt.Refuse(new OperatorException(ErrorIds.MarketFileMisread, ErrorCategory.InvalidData, $"{entry.EnvFileName} is not {action.PastTense()}: {problem}. Nothing was run; Stop-MmMarket {entry.Slug} still works.", entry.EnvFilePath));
            return;
        }

        if (action != MarketAction.Stop && OrphanRefusal(action, entry) is { } refusal)
        {
            attempt.Refuse(refusal);
            return;
        }

        _planned.Add(new ApprovedAction(action, entry, MarketActions.Command(action, Options, entry), attempt));
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
            if (Fleet.Approve(this, planned) is { } approval)
            {
                foreach (var action in planned)
                {
                    action.Attempt.Approve(approval);
                    _approved.Add(action);
                }
            }

            return;
        }

        var batches = IsRestricted ? planned.Select(p => new[] { p }) : planned.GroupBy(p => p.Attempt.Reason, StringComparer.Ordinal).Select(g => g.ToArray());
        foreach (var batch in batches)
        {
            if (batch.Length > 1)
            {
                AskBatch(batch);
            }
            else if (Approve(batch[0].Attempt, batch[0].Market.DisplayName, batch[0].Command.CommandLine, [batch[0].Command.CommandLine], stakes: Stakes.Of(batch[0].Market)))
            {
                _approved.Add(batch[0]);
            }
        }
    }

    /// <summary>
    /// One Plan and one question for several markets (market actions carry no values, and their reason
    /// was validated, so nothing in it needs masking); -WhatIf prints that Plan. Each market's approval or
    /// decline is journalled on its own.
    /// </summary>
    private void AskBatch(ApprovedAction[] batch)
    {
        var reason = batch[0].Attempt.Reason!;
        var mainnet = new Stakes(batch.Where(p => p.Market.IsMainnet).Select(p => p.Market.DisplayName).ToList(), [], string.Empty);
        var plan = RunbookText.Plan(batch.Select(p => p.Command.CommandLine).ToList(), reason, needsApproval: true, mainnet.Flags);
        if (IsWhatIf)
        {
            Context.WriteHostText(plan);
            return;
        }

        var actions = batch.Select(p => p.Action).Distinct().ToList();
        var what = actions.Count == 1 ? $"{actions[0].Name()} {batch.Length} markets" : $"{batch.Length} market actions";
        var question = $"Approve: {what} ({string.Join(", ", batch.Select(p => VisibleText.Of(p.Market.DisplayName)))})?";
        var mode = Context.DescribeApproval();
        List<bool> answers;
        try
        {
            answers = mode == ApprovalMode.Prompted
                ? AskPerson(batch, $"{plan}\n\n{question}")
                : Enumerable.Repeat(Context.ShouldProcess(plan, $"{plan}\n\n{question}", ConfirmCaption), batch.Length).ToList();
        }
        catch (Exception noPrompt) when (IsUnaskable(noPrompt))
        {
            RefuseUnaskable(noPrompt, what, batch.Select(p => p.Attempt).ToList());
            return;
        }

        var approval = Approval.Given(mode, Approver);
        var declined = answers.Count(a => !a);
        for (var i = 0; i < batch.Length; i++)
        {
            if (answers[i])
            {
                batch[i].Attempt.Approve(approval);
                _approved.Add(batch[i]);
                continue;
            }

            var how = declined == batch.Length ? $"No to all {batch.Length}" : $"No to {i + 1} of {batch.Length}";
            batch[i].Attempt.Decline($"not approved at the prompt ({how})", $"Not approved: {batch[i].Action.Name()} {batch[i].Market.DisplayName}. Nothing ran.");
        }
    }
    /// <summary>Yes to all, No (the default), or Per market: then one short question per market, "1 of 4: mmctl stop eth --json?".</summary>
    private List<bool> AskPerson(ApprovedAction[] batch, string query)
    {
        var choice = Context.Choose(ConfirmCaption, query, PromptChoice.Batch, PromptChoice.No);
        if (choice != PromptChoice.PerMarket)
        {
            return Enumerable.Repeat(choice == 0, batch.Length).ToList();
        }

        return batch.Select((p, i) => Context.Choose(ConfirmCaption, $"{i + 1} of {batch.Length}: {p.Command.CommandLine}?", PromptChoice.YesNo, PromptChoice.No) == 0).ToList();
    }

    /// <summary>
    /// Why a start or restart must not run: a bot of the market lives that mmctl does not track (it would
    /// run a second bot beside it), or one lives and mmctl cannot say whether it tracks it. mmctl is
    /// asked only when the process table shows a live bot of the market; null when none is in the way.
    /// </summary>
    private OperatorException? OrphanRefusal(MarketAction action, MarketEntry entry)
    {
        if (!Context.Truth.HasLiveBot(entry))
        {
            return null;
        }

        var name = $"{action.Name()} {entry.DisplayName}";
        try
        {
            if (Status.Read(entry).FirstOrDefault(s => s.State == MarketState.Orphaned) is not { Pid: { } pid } orphaned)
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
            ParallelMarketRuns.Run(Context, runs, throttleLimit, JournalRun, Report);
        }
    }

    /// <summary>
    /// The run of an approved action once its intent is on disk; null, after the error, when the
    /// journal cannot take it. The one exception is a person's stop, for safety: it runs, its records go
    /// to the system log, and a warning names the journal's problem.
    /// </summary>
    private MarketRun? Intend(ApprovedAction approved)
    {
        var run = new MarketRun(Context, approved);
        return approved.Attempt.Intend(approved.Command.Argv, orSystemLog: approved.Action == MarketAction.Stop && IsPerson) ? run : null;
    }

    /// <summary>
    /// The system log takes the record the journal could not: one line of the record's JSON through
    /// logger (a host command like any other). A loud warning names the journal's problem, and says when
    /// the system log failed too. Returns the record's id.
    /// </summary>
    internal string LogToSystem(AuditRecord record, OperatorException journalProblem, string what)
    {
        // Stamped (and its typed text escaped, once) by the Record that the journal refused.
        record.Id = AuditJournal.NewId(record.Time = DateTime.UtcNow);
        var run = Context.RunHost(HostCommand.SystemLog(Options, record));
        var where = run is { Status: HostRunStatus.Completed, ExitCode: 0 }
            ? $"its record {record.Id} went to the system log (logger, tag mmoperator, socket {Options.SystemLogSocketPath})"
            : $"its record could not be written to the system log either ({run.StartError ?? run.StdErr.Trim()}): this warning is its only record";
        Context.WriteWarning($"THE AUDIT JOURNAL TAKES NO RECORDS: {JournalProblem(journalProblem)}. {record.Action} {record.Market} ({record.Outcome}) {what}; {where}. Repair the journal now (Test-MmAuditLog).");
        return record.Id;
    }

    private void JournalRun(MarketRun run)
    {
        var meaning = run.Meaning;
        run.AuditId = run.Approved.Attempt.Journal(meaning.Outcome.ToAudit(), record =>
        {
            record.ExitCode = run.Run?.ExitCode;
            record.ErrorId = meaning.ErrorId;
            record.Detail = meaning.Detail;
            record.Result = meaning.Output;
            record.NewStatus = run.Status is null ? null : RunbookText.StatusFacts(run.Status);
        });
    }

    private void Report(MarketRun run)
    {
        var (action, entry, command, attempt) = run.Approved;
        var meaning = run.Meaning;
        if (run.StatusFailure is { } unreadable)
        {
            // Reading the status after the action failed, not the action: the attempt's own ending follows.
            Context.WriteError(new ErrorRecord(unreadable, ErrorIds.StatusRefreshFailed, unreadable.Category, unreadable.Target));
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
            OutputJson = CsvField.Json(meaning.Output),
            NewStatus = run.Status,
            Reason = attempt.Reason!,
            Approval = attempt.ApprovalText,
            AuditId = run.AuditId,
            Batch = BatchId,
            DurationSec = Math.Round(run.Run?.Duration.TotalSeconds ?? 0, 3),
        };
        var category = meaning.ErrorId == ErrorIds.HostCommandTimedOut ? ErrorCategory.OperationTimeout : ErrorCategory.InvalidResult;
        attempt.Tell(new Output(result, ActionResult.TypeName), meaning.Outcome == ActionOutcome.Failed
            ? [new OperatorException(meaning.ErrorId ?? ErrorIds.MarketActionFailed, category, $"{action.Name()} {entry.DisplayName} failed: {meaning.Detail}", result, run.Fault)]
            : []);
    }
}
