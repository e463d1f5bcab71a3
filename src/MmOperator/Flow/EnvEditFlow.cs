using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>What one Set- or Remove-MmEnvParam record asks for.</summary>
/// <param name="NewValue">The value to write for the checked key (null removes it); throws the refusal.</param>
/// <param name="Given">The value as given (null for a removal): a refused row's record keeps it.</param>
public sealed record EnvEditRequest(IReadOnlyList<Market>? Markets, bool Shared, string Name, bool AllowNonMmKey, string Reason, Func<string, string?> NewValue, string? Given = null)
{
    /// <summary>set or remove when this row's differs from the command's: an undo puts a value back or removes the key.</summary>
    public string? Action { get; init; }

    /// <summary>Checked against the key's current value (the key, the value) before anything is asked; throws the refusal.</summary>
    public Action<string, string?>? CheckCurrent { get; init; }
}

/// <summary>
/// The runbook's only file writes, on <see cref="RunbookFlow"/>. A command's edits (the rows of a CSV
/// campaign, several markets) are one campaign, all or nothing: every edit is checked first (key and
/// value guardrails before anything is read, then the current value); one refused edit writes nothing,
/// unless <see cref="ContinueOnError"/>. Then one Plan with every key diff and one approval, and per file
/// the intent journalled, the locked atomic edit, the new status, the record of how it ended and one
/// report. Values of protected keys never reach a plan, a result, an error or the journal, because such
/// keys are refused first; every other key's values are shown as they are (by key, never masked by what they hold).
/// </summary>
public sealed class EnvEditFlow
{
    private readonly RunbookFlow _flow;
    private readonly string _action;
    private RepoPolicy? _policy;
    private int _refused;

    /// <param name="action">set or remove, as in plans and the journal.</param>
    public EnvEditFlow(RunbookFlow flow, string action)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
        _action = action;
    }

    /// <summary>-ContinueOnError: the valid edits of a campaign with refused ones are still asked about and applied, and a failed write does not stop the others.</summary>
    public bool ContinueOnError { get; init; }

    public RepoPolicy Policy => _policy ??= RepoPolicy.Load(Repo);

    /// <summary>The flow of one Set-, Remove- or Undo-MmEnvParam run.</summary>
    public static EnvEditFlow For(IFlowContext host, IReadOnlyList<string>? tickets, bool force, bool continueOnError, string action) =>
        new(new RunbookFlow(host, tickets) { Force = force }, action) { ContinueOnError = continueOnError };

    public RunbookFlow Flow => _flow;

    private IFlowContext Context => _flow.Context;

    private string Repo => _flow.Options.RepoPath;

    /// <summary>mmctl, the journal and the repo's policy must be there before anything is asked.</summary>
    public void Prepare()
    {
        _flow.PrepareStateChange();
        _flow.Require(options => { _ = Policy; });
    }

    public void Run(EnvEditRequest request) => Run([request]);

    /// <summary>Checks every edit of the campaign, then asks once and applies them; with a refused edit, none (unless <see cref="ContinueOnError"/>).</summary>
    public void Run(IReadOnlyList<EnvEditRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        _refused = 0;
        var planned = new List<PlannedEdit>();
        foreach (var request in requests)
        {
            foreach (var target in Targets(request))
            {
                if (Check(target, request, planned) is { } edit)
                {
                    planned.Add(edit);
                }
            }
        }

        var total = planned.Count + _refused;
        if (_refused > 0 && !ContinueOnError)
        {
            if (total > 1)
            {
                var refusal = new OperatorException(ErrorIds.EnvCampaignNotApplied, ErrorCategory.InvalidData, $"{_refused} of the {total} edits of this command {(_refused == 1 ? "was" : "were")} refused (each in its own error), so none of the {planned.Count} valid ones was asked about or written: a campaign is all or nothing. Fix the refused rows and run the whole campaign again, or add -ContinueOnError to apply the valid rows alone.", $"{total} edits");
                _flow.NewAttempt(_action, $"{total} edits", requests[0].Reason).Refuse(refusal);
            }

            return;
        }

        var changes = planned.Where(p => !p.Unchanged).ToList();
        if (changes.Count == 0 || Approve(changes))
        {
            Apply(planned);
        }
        else if (_flow.IsWhatIf)
        {
            // The Plan lists the changes; the rows that change nothing say so after it.
            planned.Where(p => p.Unchanged).ToList().ForEach(ReportUnchanged);
        }
    }

    /// <summary>One edit checked and planned: its file, key, value and the value it replaces.</summary>
    private sealed record PlannedEdit(Attempt Attempt, EnvFileTarget Target, string Action, string Key, string? Value, string? Before, string Reason)
    {
        public bool Unchanged => HostValueForm.SameValue(Before, Value);

        public string Name => $"{Target.DisplayName} {Key}";

        public string PlanLine => $"{Action} {Key} in {Target.Path}: {RunbookText.Value(Before)} -> {RunbookText.Value(Value)}";
    }

    private IEnumerable<EnvFileTarget> Targets(EnvEditRequest request)
    {
        var action = request.Action ?? _action;
        var markets = request.Markets?.Where(m => m is not null).ToList() ?? [];
        if (request.Shared == (markets.Count > 0))
        {
            var refusal = new OperatorException(ErrorIds.EnvTargetRequired, ErrorCategory.InvalidArgument, "Name exactly one kind of file: -Market <market> for a market's .env.<slug>, or -Shared for the repo's .env. Nothing was changed.", request.Name);
            Refuse(refusal, action, null, request.Reason, request.Name);
            yield break;
        }

        if (request.Shared)
        {
            if (Target(() => EnvFileTarget.Shared(Repo), ".env", request) is { } shared)
            {
                yield return shared;
            }

            yield break;
        }

        foreach (var market in markets)
        {
            var entry = RunbookFlow.TryResolve(Context.Catalog, market, refusal => Refuse(refusal, action, market.Input, request.Reason, request.Name));
            if (entry is not null && Target(() => EnvFileTarget.ForMarket(entry, Repo), entry.DisplayName, request) is { } target)
            {
                yield return target;
            }
        }
    }

    private EnvFileTarget? Target(Func<EnvFileTarget> make, string display, EnvEditRequest request)
    {
        try
        {
            return make();
        }
        catch (OperatorException refusal)
        {
            Refuse(refusal, request.Action ?? _action, display, request.Reason, request.Name);
            return null;
        }
    }

    /// <summary>Every refusal of a campaign's edits goes through here, so the campaign knows it has one.</summary>
    private void Refuse(OperatorException refusal, string action, string? target, string? reason, string? key)
    {
        _refused++;
        _flow.NewAttempt(action, target, reason, key).Refuse(refusal);
    }

    /// <summary>The edit checked (reason, key, value, the file as it is now), or null after its refusal.</summary>
    private PlannedEdit? Check(EnvFileTarget target, EnvEditRequest request, List<PlannedEdit> planned)
    {
        var action = request.Action ?? _action;
        var attempt = _flow.NewAttempt(action, target.DisplayName, request.Reason, request.Name);
        if (_flow.ValidReason(attempt) is not { } reason)
        {
            _refused++;
            return null;
        }

        string? key = null;
        try
        {
            key = EnvKeyPolicy.Check(request.Name, request.AllowNonMmKey, Policy.Keys);
            var value = request.NewValue(key);
            var before = EnvFileWriter.ReadForEdit(target, Repo).ValueOf(key);
            request.CheckCurrent?.Invoke(key, before);
            if (planned.Any(p => p.Target.Path == target.Path && p.Key == key))
            {
                // The second edit would be planned against the value before the first: refused, not guessed.
                throw new OperatorException(ErrorIds.EnvCampaignDuplicateRow, ErrorCategory.InvalidArgument, $"{key} is edited more than once in this command. Give each key of a file once.", key);
            }

            return new PlannedEdit(attempt, target, action, key, value, before, reason);
        }
        catch (OperatorException refusal)
        {
            // Rows of a campaign come piped: each refusal says which market and file it was for.
            // A value refused for an accepted key is kept as given; a protected key's value never is (its key is refused first).
            var refused = key is null ? null : request.Given;
            var shown = VisibleText.QuoteName(request.Name, EnvKeyPolicy.MaxLength);
            var located = new OperatorException(refusal.ErrorId, refusal.Category, $"{target.DisplayName} ({target.Path}): {refusal.Message}", new RefusedEnvEdit(target.Market?.DisplayName, target.Path, shown, VisibleText.Quote(refused, AuditRecord.QuotedLength)), refusal.InnerException);
            _refused++;
            attempt.Refuse(located, newValue: refused);
            return null;
        }
    }

    /// <summary>
    /// One Plan and one approval for every change of the command: one edit is asked as always; several list
    /// each key diff on its own line, flag every mainnet file and risk change, and one ticket binds them all.
    /// The campaign's approval is each edit's; a decline or refusal of the campaign is journalled once, for all.
    /// </summary>
    private bool Approve(List<PlannedEdit> changes)
    {
        var risks = changes.Select(c => (Edit: c, Risk: Policy.Risk.Assess(c.Key, c.Before, c.Value)!)).Where(r => r.Risk is not null).ToList();
        if (changes is [var only])
        {
            var stakes = new Stakes(MainnetMarkets(only.Target), risks.Select(r => r.Risk).ToList(), only.Target.DisplayName);
            return _flow.Approve(only.Attempt, $"{only.Key} in {only.Target.Path}", only.PlanLine, [], only.Value is null ? [] : [only.Value], stakes);
        }

        var files = changes.Select(c => c.Target.DisplayName).Distinct().ToList();
        var mainnet = changes.SelectMany(c => MainnetMarkets(c.Target)).Distinct().ToList();
        var riskFiles = risks.Select(r => r.Edit.Target.DisplayName).Distinct();
        var batch = new Stakes(mainnet, risks.Select(r => r.Risk with { Market = r.Edit.Target.DisplayName }).ToList(), string.Join(" ", riskFiles));
        var actions = changes.Select(c => c.Action).Distinct().ToList();
        var reason = string.Join("; ", changes.Select(c => c.Reason).Distinct());
        var what = $"{changes.Count} .env edits ({string.Join(", ", files)})";
        var campaign = _flow.NewAttempt(actions.Count == 1 ? actions[0] : _action, what, reason);
        if (!_flow.Approve(campaign, what, changes.Select(c => c.PlanLine).ToList(), [], changes.Select(c => c.Value).OfType<string>().ToList(), batch))
        {
            return false;
        }

        changes.ForEach(c => c.Attempt.Approve(campaign.Approval!));
        return true;
    }

    /// <summary>
    /// Writes the approved changes in order and reports the unchanged edits among them. A write that fails
    /// stops the campaign (unless <see cref="ContinueOnError"/>), and one error names exactly what was written and what was not.
    /// </summary>
    private void Apply(List<PlannedEdit> planned)
    {
        var written = new List<PlannedEdit>();
        var notWritten = new List<PlannedEdit>();
        OperatorException? stopped = null;
        foreach (var edit in planned)
        {
            if (edit.Unchanged)
            {
                ReportUnchanged(edit);
            }
            else if (stopped is not null && !ContinueOnError)
            {
                notWritten.Add(edit);
            }
            else if (Write(edit) is { } failure)
            {
                stopped ??= failure;
                notWritten.Add(edit);
            }
            else
            {
                written.Add(edit);
            }
        }

        if (stopped is not null && written.Count + notWritten.Count > 1)
        {
            var names = (List<PlannedEdit> edits) => edits.Count == 0 ? "none" : string.Join(", ", edits.Select(e => e.Name));
            var undo = written.Count == 0 ? "Nothing needs undoing" : $"The written ones stay, each in the journal under batch {_flow.BatchId}: put them back with Undo-MmEnvParam -Batch {_flow.BatchId} -Reason <why>";
            var partly = new OperatorException(ErrorIds.EnvCampaignPartlyApplied, ErrorCategory.WriteError, $"The campaign was not fully applied ({stopped.ErrorId}: {stopped.Message}). Written ({written.Count}): {names(written)}. Not written ({notWritten.Count}): {names(notWritten)}. {undo}; or fix the cause and run the rows not written again.", _flow.BatchId);
            // Each failed write is journalled on its own; this record says what the campaign as a whole left behind.
            _flow.NewAttempt(_action, $"{written.Count + notWritten.Count} edits", notWritten[0].Reason).Fail(partly);
        }
    }

    /// <summary>One approved change: its intent journalled, the locked atomic write, the status, its record and report. Returns the failure, if any.</summary>
    private OperatorException? Write(PlannedEdit planned)
    {
        var (attempt, target, _, key, value, before, _) = planned;
        if (!attempt.Intend(null, intent => (intent.PreviousValue, intent.NewValue, intent.Detail) = (before, value, target.Path)))
        {
            // The attempt said why; the campaign stops here all the same.
            return new OperatorException(ErrorIds.AuditJournalUnavailable, ErrorCategory.WriteError, "the journal took no record of its intent", target.Path);
        }

        EnvEdit edit;
        try
        {
            edit = EnvFileWriter.Apply(target, Repo, key, value, before);
        }
        catch (OperatorException failure)
        {
            attempt.Fail(failure);
            return failure;
        }

        var changelog = edit.Changed ? AppendHostChangelog(target, key, edit) : null;
        var status = new StatusReports(_flow).Refresh(target.Market);
        attempt.End(
            edit.Changed ? AuditOutcome.Succeeded : AuditOutcome.NoChange,
            record =>
            {
                record.PreviousValue = edit.PreviousValue;
                record.NewValue = edit.NewValue;
                record.Detail = $"{target.FileName} sha256 {edit.HashBefore} -> {edit.HashAfter}{changelog}";
                record.NewStatus = status is null ? null : string.Join("; ", status.Select(RunbookText.StatusFacts));
            },
            auditId => Change(attempt, target, key, edit.PreviousValue, edit.NewValue, edit.Changed, status, auditId));
        return null;
    }

    /// <summary>The mainnet markets an edit touches: the file's market, or every market for the shared .env.</summary>
    private List<string> MainnetMarkets(EnvFileTarget target)
    {
        var touched = target.Market is { } market ? [market] : Context.Catalog.Markets;
        return touched.Where(m => m.IsMainnet).Select(m => m.DisplayName).ToList();
    }

    /// <summary>The bot reads its settings at start: running bots of the edited file keep the old value until restarted.</summary>
    private static (string? TakesEffect, string? Note) Effect(EnvFileTarget target, bool changed, IReadOnlyList<MarketStatus>? status)
    {
        if (!changed || status is null)
        {
            return (null, null);
        }

        var running = status.Where(s => s.State == MarketState.Running).ToList();
        if (running.Count == 0)
        {
            return ("at start", null);
        }

        var names = string.Join(", ", running.Select(s => s.Market));
        var restart = $"Restart-MmMarket {string.Join(", ", running.Select(s => s.Slug))}";
        return ("on restart", target.IsShared
            ? $"{names} {(running.Count == 1 ? "is" : "are")} running: the change takes effect when each restarts ({restart})"
            : $"{names} is running: the change takes effect on restart ({restart})");
    }

    /// <summary>
    /// The host's tools learn of changes from its changelog, so a direct edit adds its row there too. The
    /// edit is already made: a changelog that cannot be written is a warning (and in the journal), not a failure.
    /// </summary>
    private string? AppendHostChangelog(EnvFileTarget target, string key, EnvEdit edit)
    {
        try
        {
            HostChangelog.Append(Repo, HostChangelog.Row(DateTimeOffset.UtcNow, target.Market?.DisplayName ?? "unknown", target.Path, key, edit.PreviousValue, edit.NewValue));
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            var problem = $"the host's changelog {HostChangelog.PathIn(Repo)} could not be written ({error.Message})";
            Context.WriteWarning($"{key} in {target.Path} was changed, but {problem}: the host's tools will not see this edit there.");
            return "; " + problem;
        }
    }

    /// <summary>Nothing to change: said so, and journalled (but not under -WhatIf).</summary>
    private void ReportUnchanged(PlannedEdit edit)
    {
        var (attempt, target, key, current) = (edit.Attempt, edit.Target, edit.Key, edit.Before);
        var said = $"No change: {key} in {target.Path} is already {RunbookText.Value(current)}.";
        if (_flow.IsWhatIf)
        {
            Context.WriteHostText(said);
            return;
        }

        Context.WriteVerbose(said);
        attempt.NoChange(record => (record.PreviousValue, record.NewValue, record.Detail) = (current, current, said), auditId => Change(attempt, target, key, current, current, false, null, auditId));
    }

    /// <summary>The edit's result, with a warning first when running bots keep the old value until restarted.</summary>
    private Output Change(Attempt attempt, EnvFileTarget target, string key, string? before, string? after, bool changed, IReadOnlyList<MarketStatus>? status, string? auditId)
    {
        var (takesEffect, note) = Effect(target, changed, status);
        if (note is not null)
        {
            Context.WriteWarning(note);
        }

        return new Output(
            new EnvChange
            {
                Action = attempt.Action,
                File = target.Path,
                Key = key,
                PreviousValue = before,
                NewValue = after,
                Changed = changed,
                Market = target.Market?.DisplayName,
                Shared = target.IsShared,
                NewStatus = status,
                TakesEffect = takesEffect,
                Note = note,
                Reason = attempt.Reason!,
                Approval = attempt.Approval?.ToString(),
                AuditId = auditId,
                Batch = _flow.BatchId,
            },
            EnvChange.TypeName);
    }
}
