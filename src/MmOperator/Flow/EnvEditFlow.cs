using System.Management.Automation;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Markets;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>What one Set- or Remove-MmEnvParam record asks for.</summary>
/// <param name="NewValue">The value to write for the checked key (null removes it); throws the refusal.</param>
/// <param name="Given">The value as given (null for a removal): a refused row's record keeps it.</param>
public sealed record EnvEditRequest(IReadOnlyList<Market>? Markets, bool Shared, string Name, bool AllowNonMmKey, string Reason, Func<string, string?> NewValue, string? Given = null);

/// <summary>
/// The runbook's only file writes, on <see cref="RunbookFlow"/>. Per file: key and value guardrails
/// first (nothing is read for a refused key), the current value, the Plan with the key diff, approval,
/// the intent journalled, the locked atomic edit, the new status, the record of how it ended and one
/// report. Values of protected keys never reach a plan, a result, an error or the journal, because such
/// keys are refused first; every other key's values are shown as they are (by key, never masked by what they hold).
/// </summary>
public sealed class EnvEditFlow
{
    private readonly RunbookFlow _flow;
    private readonly string _action;
    private RepoPolicy? _policy;

    /// <param name="action">set or remove, as in plans and the journal.</param>
    public EnvEditFlow(RunbookFlow flow, string action)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
        _action = action;
    }

    public RepoPolicy Policy => _policy ??= RepoPolicy.Load(Repo);

    public RunbookFlow Flow => _flow;

    private IFlowHost Host => _flow.Host;

    private string Repo => _flow.Options.RepoPath;

    /// <summary>mmctl, the journal and the repo's policy must be there before anything is asked.</summary>
    public void Prepare()
    {
        _flow.PrepareStateChange();
        _flow.Require(options => { _ = Policy; });
    }

    public void Run(EnvEditRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var target in Targets(request))
        {
            Edit(target, request);
        }
    }

    private IEnumerable<EnvFileTarget> Targets(EnvEditRequest request)
    {
        var markets = request.Markets?.Where(m => m is not null).ToList() ?? [];
        if (request.Shared == (markets.Count > 0))
        {
            var refusal = new OperatorException(ErrorIds.EnvTargetRequired, ErrorCategory.InvalidArgument, "Name exactly one kind of file: -Market <market> for a market's .env.<slug>, or -Shared for the repo's .env. Nothing was changed.", request.Name);
            _flow.Refuse(refusal, _action, null, request.Reason, request.Name);
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
            if (_flow.Resolve(market, _action, request.Reason, request.Name) is { } entry && Target(() => EnvFileTarget.ForMarket(entry, Repo), entry.DisplayName, request) is { } target)
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
            _flow.Refuse(refusal, _action, display, request.Reason, request.Name);
            return null;
        }
    }

    private void Edit(EnvFileTarget target, EnvEditRequest request)
    {
        if (_flow.ValidReason(request.Reason, _action, target.DisplayName, request.Name) is not { } reason)
        {
            return;
        }

        string? key = null;
        string? value;
        string? before;
        try
        {
            key = EnvKeyPolicy.Check(request.Name, request.AllowNonMmKey, Policy.Keys);
            value = request.NewValue(key);
            before = EnvFileWriter.ReadForEdit(target, Repo).ValueOf(key);
        }
        catch (OperatorException refusal)
        {
            // Rows of a campaign come piped: each refusal says which market and file it was for.
            // A value refused for an accepted key is kept as given; a protected key's value never is (its key is refused first).
            var refused = key is null ? null : request.Given;
            var shown = VisibleText.QuoteName(request.Name, EnvKeyPolicy.MaxLength);
            var located = new OperatorException(refusal.ErrorId, refusal.Category, $"{target.DisplayName} ({target.Path}): {refusal.Message}", new RefusedEnvEdit(target.Market?.DisplayName, target.Path, shown, VisibleText.Quote(refused, AuditRecord.QuotedLength)), refusal.InnerException);
            _flow.Refuse(located, _action, target.DisplayName, reason, request.Name, newValue: refused);
            return;
        }

        if (HostValueForm.SameValue(before, value))
        {
            ReportUnchanged(target, key, before, reason);
            return;
        }

        var diff = $"{RunbookText.Value(before)} -> {RunbookText.Value(value)}";
        var risk = Policy.Risk.Assess(key, before, value);
        var stakes = new Stakes(MainnetMarkets(target), risk is null ? [] : [risk], target.DisplayName);
        if (_flow.Approve(_action, $"{key} in {target.Path}", reason, $"{_action} {key} in {target.Path}: {diff}", [], key, value is null ? [] : [value], stakes) is not { } approval)
        {
            return;
        }

        var attempt = _flow.BeginAttempt(new AuditRecord { Action = _action, Market = target.DisplayName, Key = key, Reason = reason, Approval = approval, PreviousValue = before, NewValue = value, Detail = target.Path });
        if (attempt is null)
        {
            return;
        }

        EnvEdit edit;
        try
        {
            edit = EnvFileWriter.Apply(target, Repo, key, value, before);
        }
        catch (OperatorException failure)
        {
            _flow.Record(new AuditRecord { Attempt = attempt, Action = _action, Market = target.DisplayName, Key = key, Reason = reason, Approval = approval, Outcome = AuditOutcome.Failed, ErrorId = failure.ErrorId, Detail = failure.Message });
            Host.WriteError(failure.ToErrorRecord());
            return;
        }

        var changelog = edit.Changed ? AppendHostChangelog(target, key, edit) : null;
        var status = _flow.RefreshStatus(target.Market);
        var record = _flow.Record(new AuditRecord
        {
            Attempt = attempt,
            Action = _action,
            Market = target.DisplayName,
            Key = key,
            Reason = reason,
            Approval = approval,
            Outcome = edit.Changed ? AuditOutcome.Succeeded : AuditOutcome.NoChange,
            PreviousValue = edit.PreviousValue,
            NewValue = edit.NewValue,
            Detail = $"{target.FileName} sha256 {edit.HashBefore} -> {edit.HashAfter}{changelog}",
            NewStatus = status is null ? null : string.Join("; ", status.Select(RunbookText.StatusFacts)),
        });
        Emit(target, key, edit.PreviousValue, edit.NewValue, edit.Changed, status, reason, approval, record?.Id);
    }

    /// <summary>The mainnet markets an edit touches: the file's market, or every market for the shared .env.</summary>
    private List<string> MainnetMarkets(EnvFileTarget target)
    {
        var touched = target.Market is { } market ? [market] : Host.Catalog.Markets;
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
            Host.WriteWarning($"{key} in {target.Path} was changed, but {problem}: the host's tools will not see this edit there.");
            return "; " + problem;
        }
    }

    /// <summary>Nothing to change: said so, and journalled (but not under -WhatIf).</summary>
    private void ReportUnchanged(EnvFileTarget target, string key, string? current, string reason)
    {
        var said = $"No change: {key} in {target.Path} is already {RunbookText.Value(current)}.";
        if (_flow.IsWhatIf)
        {
            Host.WriteHostText(said);
            return;
        }

        Host.WriteVerbose(said);
        var record = _flow.Record(new AuditRecord { Action = _action, Market = target.DisplayName, Key = key, Reason = reason, Approval = Approvals.ApprovalMode.None, Outcome = AuditOutcome.NoChange, PreviousValue = current, NewValue = current, Detail = said });
        Emit(target, key, current, current, false, null, reason, null, record?.Id);
    }

    private void Emit(EnvFileTarget target, string key, string? before, string? after, bool changed, IReadOnlyList<MarketStatus>? status, string reason, string? approval, string? auditId)
    {
        var (takesEffect, note) = Effect(target, changed, status);
        if (note is not null)
        {
            Host.WriteWarning(note);
        }

        Host.WriteObject(new EnvChange
        {
            Action = _action,
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
            Reason = reason,
            Approval = approval,
            AuditId = auditId,
            Batch = _flow.BatchId,
        }, EnvChange.TypeName);
    }
}
