using System.Management.Automation;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Markets;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// Set- and Remove-MmEnvParam: the runbook's only file writes. Per file: key and value guardrails
/// first (nothing is read for a refused key), the current value, the Plan with the key diff, approval,
/// the locked atomic edit, the new status, one journal record and one report. Values of protected
/// keys never reach a plan, a result, an error or the journal, because such keys are refused first.
/// </summary>
public abstract class EnvEditCmdlet : TicketedCmdlet
{
    private RepoPolicy? _policy;

    /// <summary>Markets whose env file to edit, in any accepted form; or use -Shared. Named, so -Shared reads the same: -Shared KEY VALUE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyCollection]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>Edit the shared &lt;repo&gt;/.env instead of a market's file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter Shared { get; set; }

    /// <summary>The key: MM_ followed by A-Z, 0-9, '_'. Protected and secret-like keys are always refused.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Key")]
    public string Name { get; set; } = string.Empty;

    /// <summary>Allow a key that does not start with MM_: the runbook allows it only when a human explicitly asks.</summary>
    [Parameter]
    public SwitchParameter AllowNonMmKey { get; set; }

    /// <summary>set or remove, as in plans and the journal.</summary>
    protected abstract string ActionName { get; }

    protected RepoPolicy Policy => _policy ??= RepoPolicy.Load(Options.RepoPath);

    protected override void BeginProcessing()
    {
        PrepareStateChange();
        try
        {
            _ = Policy;
        }
        catch (OperatorException unreadable)
        {
            ThrowTerminatingError(unreadable.ToErrorRecord());
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var target in Targets())
        {
            Edit(target);
        }
    }

    /// <summary>The value to write for this record (already checked), or null to remove the key; throws the refusal.</summary>
    protected abstract string? NewValue(string key);

    private IEnumerable<EnvFileTarget> Targets()
    {
        var markets = Market?.Where(m => m is not null).ToList() ?? [];
        if (Shared.IsPresent == (markets.Count > 0))
        {
            var refusal = new OperatorException(ErrorIds.EnvTargetRequired, ErrorCategory.InvalidArgument, "Name exactly one kind of file: -Market <market> for a market's .env.<slug>, or -Shared for the repo's .env. Nothing was changed.", Name);
            RecordRefusal(ActionName, null, Reason, refusal, Name);
            WriteError(refusal.ToErrorRecord());
            yield break;
        }

        if (Shared)
        {
            if (Target(() => EnvFileTarget.Shared(Options.RepoPath), ".env") is { } shared)
            {
                yield return shared;
            }

            yield break;
        }

        foreach (var market in markets)
        {
            if (ResolveOrRefuse(ActionName, market, Reason, Name) is { } entry && Target(() => EnvFileTarget.ForMarket(entry, Options.RepoPath), entry.DisplayName) is { } target)
            {
                yield return target;
            }
        }
    }

    private EnvFileTarget? Target(Func<EnvFileTarget> make, string display)
    {
        try
        {
            return make();
        }
        catch (OperatorException refusal)
        {
            RecordRefusal(ActionName, display, Reason, refusal, Name);
            WriteError(refusal.ToErrorRecord());
            return null;
        }
    }

    private void Edit(EnvFileTarget target)
    {
        if (ValidReason(ActionName, target.DisplayName, Name) is not { } reason)
        {
            return;
        }

        string key;
        string? value;
        string? before;
        try
        {
            key = EnvKeyPolicy.Check(Name, AllowNonMmKey, Policy.Keys);
            value = NewValue(key);
            before = EnvFileWriter.Read(target, Options.RepoPath).ValueOf(key);
        }
        catch (OperatorException refusal)
        {
            RecordRefusal(ActionName, target.DisplayName, reason, refusal, MarketCatalog.Printable(Name));
            WriteError(refusal.ToErrorRecord());
            return;
        }

        if (HostValueForm.SameValue(before, value))
        {
            ReportUnchanged(target, key, before, reason);
            return;
        }

        var diff = $"{Masker.Apply(RunbookText.Value(before))} -> {RunbookText.Value(value)}";
        var plan = RunbookText.Plan($"{ActionName} {key} in {target.Path}: {diff}", reason, needsApproval: true);
        if (Approve(new BoundAction { Action = ActionName, Target = $"{key} in {target.Path}", Key = key, Values = value is null ? [] : [value], Reason = reason, Plan = plan }) is not { } approval)
        {
            return;
        }

        RequireJournal();
        EnvEdit edit;
        try
        {
            edit = EnvFileWriter.Apply(target, Options.RepoPath, key, value, before);
        }
        catch (OperatorException failure)
        {
            Record(new AuditRecord { Action = ActionName, Market = target.DisplayName, Key = key, Reason = reason, Approval = approval, Outcome = "Failed", ErrorId = failure.ErrorId, Detail = Masker.Apply(failure.Message) });
            WriteError(failure.ToErrorRecord());
            return;
        }

        var changelog = edit.Changed ? AppendHostChangelog(target, key, edit) : null;
        var status = RefreshStatus(target.Market);
        var record = Record(new AuditRecord
        {
            Action = ActionName,
            Market = target.DisplayName,
            Key = key,
            Reason = reason,
            Approval = approval,
            Outcome = edit.Changed ? "Succeeded" : "NoChange",
            Before = Masker.Apply(edit.PreviousValue),
            After = edit.NewValue,
            Detail = $"{target.FileName} sha256 {edit.HashBefore} -> {edit.HashAfter}{changelog}",
            NewStatus = status is null ? null : string.Join("; ", status.Select(RunbookText.StatusFacts)),
        });
        Emit(target, key, Masker.Apply(edit.PreviousValue), edit.NewValue, edit.Changed, status, reason, approval, record?.Id);
    }

    /// <summary>
    /// The host's tools learn of changes from its changelog, so a direct edit adds its row there too. The
    /// edit is already made: a changelog that cannot be written is a warning (and in the journal), not a failure.
    /// </summary>
    private string? AppendHostChangelog(EnvFileTarget target, string key, EnvEdit edit)
    {
        try
        {
            HostChangelog.Append(Options.RepoPath, HostChangelog.Row(DateTimeOffset.UtcNow, target.Market?.DisplayName ?? "unknown", target.Path, key, edit.PreviousValue, edit.NewValue));
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            var problem = $"the host's changelog {HostChangelog.PathIn(Options.RepoPath)} could not be written ({error.Message})";
            WriteWarning($"{key} in {target.Path} was changed, but {problem}: the host's tools will not see this edit there.");
            return "; " + problem;
        }
    }

    /// <summary>Nothing to change: said so, and journalled (but not under -WhatIf).</summary>
    private void ReportUnchanged(EnvFileTarget target, string key, string? current, string reason)
    {
        var said = $"No change: {key} in {target.Path} is already {Masker.Apply(RunbookText.Value(current))}.";
        if (IsWhatIf)
        {
            WriteHostText(said);
            return;
        }

        WriteVerbose(said);
        var record = Record(new AuditRecord { Action = ActionName, Market = target.DisplayName, Key = key, Reason = reason, Approval = "None", Outcome = "NoChange", Before = Masker.Apply(current), After = Masker.Apply(current), Detail = said });
        Emit(target, key, Masker.Apply(current), Masker.Apply(current), false, null, reason, null, record?.Id);
    }

    private void Emit(EnvFileTarget target, string key, string? before, string? after, bool changed, IReadOnlyList<MarketStatus>? status, string reason, string? approval, string? auditId) =>
        WriteTyped(new EnvChange
        {
            Action = ActionName,
            File = target.Path,
            Market = target.Market?.DisplayName,
            Shared = target.IsShared,
            Key = key,
            PreviousValue = before,
            NewValue = after,
            Changed = changed,
            NewStatus = status,
            Reason = reason,
            Approval = approval,
            AuditId = auditId,
        }, EnvChange.TypeName);
}
